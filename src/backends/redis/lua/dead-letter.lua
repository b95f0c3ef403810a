-- Moves a message from the consumer's processing list to the dead letters,
-- as a JSON entry with its reason and time.
--
-- KEYS: processing, dead. ARGV: message, entry.
redis.call('LREM', KEYS[1], -1, ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1
