-- The names of the locks held now; names whose lease ran out leave the set.
--
-- KEYS: locks. ARGV: key base.
local held = {}
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. 'lock.' .. name) == 1 then held[#held + 1] = name else redis.call('SREM', KEYS[1], name) end
end
return held
