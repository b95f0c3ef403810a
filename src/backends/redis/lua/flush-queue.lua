-- Removes every waiting message of every priority.
--
-- KEYS: queue, priorities. ARGV: key base.
for _, level in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do redis.call('DEL', ARGV[1] .. 'priority.' .. level) end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
