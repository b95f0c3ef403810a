-- The waiting messages of every priority, wake markers not counted (they sit at the head).
--
-- KEYS: queue, priorities. ARGV: key base.
--- @include "includes/wake"
local n = redis.call('LLEN', KEYS[1])
if n > 0 then n = n - #redis.call('LPOS', KEYS[1], WAKE, 'RANK', -1, 'COUNT', 0, 'MAXLEN', 1000) end
for _, level in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do n = n + redis.call('LLEN', ARGV[1] .. 'priority.' .. level) end
return n
