-- Takes up to `limit` scheduled messages whose eta is at or before `now`,
-- earliest first, into the consumer's processing list: a consumer that
-- dies before running (or re-queueing) them does not lose them.
--
-- KEYS: schedule, processing, consumers, heartbeat. ARGV: now ms, limit, consumer id, heartbeat ms.
-- Returns the messages taken.
local taken = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
if #taken == 0 then return taken end
if redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('SET', KEYS[4], ARGV[3], 'PX', ARGV[4])
  redis.call('ZADD', KEYS[3], 0, ARGV[3])
end
for _, data in ipairs(taken) do
  redis.call('ZREM', KEYS[1], data)
  redis.call('LPUSH', KEYS[2], data)
end
return taken
