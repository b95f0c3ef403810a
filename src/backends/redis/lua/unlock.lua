-- Releases a lock when the token holds it.
--
-- KEYS: lock, locks. ARGV: token, name.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
return 0
