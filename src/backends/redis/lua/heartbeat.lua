-- Refreshes the consumer's heartbeat and marks it alive in the registry
-- (which also undoes a `recover` that thought it dead during a long pause).
--
-- KEYS: consumers, heartbeat. ARGV: consumer id, heartbeat ms.
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[1], 0, ARGV[1])
return 1
