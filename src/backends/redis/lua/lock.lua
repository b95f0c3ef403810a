-- Takes a lock when free (`SET NX PX`) and records its name.
--
-- KEYS: lock, locks. ARGV: token, ttl ms, name.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('SADD', KEYS[2], ARGV[3])
  return 1
end
return 0
