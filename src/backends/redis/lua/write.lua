-- Writes a message: `LPUSH` to the plain list for priority 0 while no
-- revocation exists; else to its level's list (level 0 for priority 0),
-- waking a blocked reader when the plain list is empty.
--
-- KEYS: queue, priorities, level list, revoked. ARGV: message, priority as written in it ('0' when it has none).
--- @include "includes/wake"
if ARGV[2] == '0' and redis.call('EXISTS', KEYS[4]) == 0 then return redis.call('LPUSH', KEYS[1], ARGV[1]) end
redis.call('LPUSH', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[2])
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('LPUSH', KEYS[1], WAKE) end
return 1
