-- Claims up to `count` messages into the consumer's processing list (see
-- includes/claim.lua), registering the consumer when its heartbeat is
-- missing.
--
-- KEYS: queue, processing, consumers, heartbeat, priorities, revoked.
-- ARGV: count, consumer id, heartbeat ms, key base, drop (0|1).
-- Returns whether any revocation exists (1 or 0), then the messages claimed, oldest first.
--- @include "includes/claim"
return claim(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
