-- Returns the processing lists of dead consumers to the head of the queue.
-- A consumer is dead when its heartbeat key has expired, or when the caller
-- names it (a process on the caller's host that no longer exists). A dead
-- consumer stays registered for `grace` ms after it was first seen dead, so
-- a claim it made in its last instant (a blocking move still in flight when
-- its connection closed) is found by a later run too. The keys of other
-- consumers are built from the key base; they carry the queue's hash tag,
-- so they live in its Cluster slot.
--
-- KEYS: queue, consumers, priorities. ARGV: key base (`<prefix>{name}.`), grace ms, dead ids...
-- Returns how many messages came back.
--- @include "includes/requeue"
--- @include "includes/returned"
local base = ARGV[1]
local grace = tonumber(ARGV[2])
local named = {}
for i = 3, #ARGV do named[ARGV[i]] = true end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local moved = 0
local consumers = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #consumers, 2 do
  local id = consumers[i]
  local since = tonumber(consumers[i + 1])
  local beat = base .. 'heartbeat.' .. id
  if named[id] then redis.call('DEL', beat) end
  if redis.call('EXISTS', beat) == 0 then
    local processing = base .. 'processing.' .. id
    while true do
      local data = redis.call('LPOP', processing)
      if not data then break end
      requeue(data, KEYS[1], base, KEYS[3])
      returned(base, data)
      moved = moved + 1
    end
    if since == 0 then
      redis.call('ZADD', KEYS[2], now, id)
    elseif now - since > grace then
      redis.call('ZREM', KEYS[2], id)
    end
  end
end
return moved
