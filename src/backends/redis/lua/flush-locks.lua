-- Releases every lock; returns how many were held.
--
-- KEYS: locks. ARGV: key base.
local count = 0
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do count = count + redis.call('DEL', ARGV[1] .. 'lock.' .. name) end
redis.call('DEL', KEYS[1])
return count
