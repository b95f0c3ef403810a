-- Keeps a revocation, and moves the messages waiting in the plain list
-- behind those of the level 0 list (a rename when it has none), waking a
-- reader for them: from now on a blocked read finds none.
--
-- KEYS: revoked, queue, priorities, level 0 list. ARGV: key, revocation.
-- Returns how many messages moved (1 for a rename).
--- @include "includes/wake"
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
while redis.call('LINDEX', KEYS[2], -1) == WAKE do redis.call('RPOP', KEYS[2]) end
if redis.call('LLEN', KEYS[2]) == 0 then return 0 end
local moved = 1
if redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('RENAME', KEYS[2], KEYS[4])
else
  moved = 0
  while redis.call('LMOVE', KEYS[2], KEYS[4], 'RIGHT', 'LEFT') do moved = moved + 1 end
end
redis.call('ZADD', KEYS[3], 0, '0')
redis.call('LPUSH', KEYS[2], WAKE)
return moved
