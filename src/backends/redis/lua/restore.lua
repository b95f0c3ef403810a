-- Removes a revocation and returns what it was (to tell whether it was still in force).
--
-- KEYS: revoked. ARGV: key.
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then redis.call('HDEL', KEYS[1], ARGV[1]) end
return v
