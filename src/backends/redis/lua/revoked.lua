-- The first of the keys revoked at `now` in the hash of revocations
-- (`<until ms or empty>:<once 0|1>`); a `once` one found, or one ended, is
-- removed. A small hash is also swept of every ended revocation, so that it
-- disappears once none is in force and claims stop asking.
--
-- KEYS: revoked. ARGV: now ms, keys...
-- Returns the key found, or nil.
local now = tonumber(ARGV[1])
if redis.call('HLEN', KEYS[1]) <= 16 then
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all, 2 do
    local untilMs = tonumber(string.sub(all[i + 1], 1, string.find(all[i + 1], ':', 1, true) - 1))
    if untilMs and untilMs <= now then redis.call('HDEL', KEYS[1], all[i]) end
  end
end
for i = 2, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v then
    local sep = string.find(v, ':', 1, true)
    local untilMs = tonumber(string.sub(v, 1, sep - 1))
    if untilMs and untilMs <= now then
      redis.call('HDEL', KEYS[1], ARGV[i])
    else
      if string.sub(v, sep + 1) == '1' then redis.call('HDEL', KEYS[1], ARGV[i]) end
      return ARGV[i]
    end
  end
end
return false
