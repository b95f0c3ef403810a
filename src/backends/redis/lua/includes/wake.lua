-- Pushed to the plain list to wake a blocked reader for a message of
-- another priority; never a message (not JSON). The loader checks that it
-- is the WAKE of lua.ts, which the queue compares replies with.
local WAKE = 'huey:wake'
