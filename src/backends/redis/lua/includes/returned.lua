-- Counts one more return of a message that goes back to the queue
-- unfinished (recover, release), in the hash `returned`: its deliveries
-- are one more than its returns. The hash lives a day past its last
-- return; a finished message's entry goes with its finish or ack.
local function returned(base, data)
  redis.call('HINCRBY', base .. 'returned', data, 1)
  redis.call('PEXPIRE', base .. 'returned', 86400000)
end
