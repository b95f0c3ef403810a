-- Puts back at the head of the queue every message in the consumer's
-- processing list that the consumer does not hold: after a reconnect, a
-- claim whose reply was lost with the connection left its message there.
--
-- KEYS: queue, processing, priorities. ARGV: key base, the messages the consumer holds.
-- Returns how many messages went back.
--- @include "includes/requeue"
local held = {}
for i = 2, #ARGV do held[ARGV[i]] = true end
local moved = 0
for _, data in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  if not held[data] then
    redis.call('LREM', KEYS[2], 1, data)
    requeue(data, KEYS[1], ARGV[1], KEYS[3])
    moved = moved + 1
  end
end
return moved
