-- A consumer stops: its processing list goes back to the head of the
-- queue and its heartbeat is removed. When its blocking read was ended on
-- the server (`CLIENT UNBLOCK`, ARGV[2] = '1'), nothing can land in its
-- list any more and it leaves the consumers set; otherwise it stays
-- registered, marked dead from now, so `recover` still finds a claim that
-- lands after this.
--
-- KEYS: queue, processing, consumers, heartbeat, priorities. ARGV: consumer id, '1' when no read can still land, key base.
-- Returns how many messages went back.
--- @include "includes/requeue"
--- @include "includes/returned"
local moved = 0
while true do
  local data = redis.call('LPOP', KEYS[2])
  if not data then break end
  requeue(data, KEYS[1], ARGV[3], KEYS[5])
  returned(ARGV[3], data)
  moved = moved + 1
end
redis.call('DEL', KEYS[4])
if ARGV[2] == '1' then
  redis.call('ZREM', KEYS[3], ARGV[1])
elseif redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  local time = redis.call('TIME')
  redis.call('ZADD', KEYS[3], tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000), ARGV[1])
end
return moved
