-- Finishes calls in one step: stores each result as put-result.lua does and
-- acknowledges its message (removes it from the consumer's processing
-- list), then claims up to `count` messages for the slots the calls free,
-- as claim.lua does. A crash of Redis or of the consumer leaves all of it
-- done or none. The calls that finish in one turn of the consumer's event
-- loop share one run of it (see ../finishes.ts).
--
-- KEYS (their number first): processing, queue, consumers, heartbeat, priorities, revoked, then each call's result.
-- ARGV: count, consumer id, heartbeat ms, key base, then for each call: value, ttl ms, channel, key as announced, message.
-- Returns what claim.lua returns.
--- @include "includes/claim"
--- @include "includes/store-result"
for i = 7, #KEYS do
  local at = 4 + (i - 7) * 5
  storeResult(KEYS[i], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4])
  redis.call('LREM', KEYS[1], -1, ARGV[at + 5])
  if redis.call('EXISTS', ARGV[4] .. 'returned') == 1 then redis.call('HDEL', ARGV[4] .. 'returned', ARGV[at + 5]) end
end
return claim(KEYS[2], KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6], ARGV[1], ARGV[2], ARGV[3], ARGV[4], '0')
