-- Stores a result with its time to live and announces its key on the
-- store's channel, which wakes the producers waiting for it.
--
-- KEYS: result. ARGV: value, ttl ms (0: keep until read), channel, key as announced.
--- @include "includes/store-result"
storeResult(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return 1
