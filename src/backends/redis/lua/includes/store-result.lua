-- Stores a result and wakes its waiters, shared by put-result.lua and
-- finish.lua so that both store a result the same way: the result's key,
-- its value, its time to live in ms (0: keep until read), the store's
-- channel and the key as announced on it.
local function storeResult(key, value, ttl, channel, announced)
  if tonumber(ttl) > 0 then
    redis.call('SET', key, value, 'PX', ttl)
  else
    redis.call('SET', key, value)
  end
  redis.call('PUBLISH', channel, announced)
end
