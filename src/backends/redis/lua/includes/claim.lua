-- A claim, shared by claim.lua and finish.lua: registers the consumer when
-- its heartbeat is missing, then moves up to `count` messages into its
-- processing list: the highest priority first, the plain list after level
-- 0 and before the negative levels, each from its head. A wake marker met
-- on the way is dropped, as is the one a blocked read just moved into the
-- processing list when `drop` is '1'.
--
-- Returns flags, then the messages claimed, oldest first: 1 when any
-- revocation exists, plus 2 when any message came back unfinished (the
-- hash `returned`, which counts each one's returns: the consumer asks it
-- for deliveries only then).
--- @include "includes/wake"
local function claim(queue, processing, consumers, heartbeat, priorities, revoked, count, id, heartbeatMs, base, drop)
  if redis.call('EXISTS', heartbeat) == 0 then
    redis.call('SET', heartbeat, id, 'PX', heartbeatMs)
    redis.call('ZADD', consumers, 0, id)
  end
  if drop == '1' then redis.call('LREM', processing, 1, WAKE) end
  local wanted = tonumber(count) + 1
  local taken = { redis.call('EXISTS', revoked) + 2 * redis.call('EXISTS', base .. 'returned') }
  local function take(from)
    while #taken < wanted do
      local data = redis.call('LMOVE', from, processing, 'RIGHT', 'LEFT')
      if not data then return end
      if data == WAKE then redis.call('LPOP', processing) else taken[#taken + 1] = data end
    end
  end
  if redis.call('EXISTS', priorities) == 0 then
    take(queue)
  else
    local plain = false
    local levels = redis.call('ZRANGE', priorities, '+inf', '-inf', 'BYSCORE', 'REV', 'WITHSCORES')
    for i = 1, #levels, 2 do
      if #taken >= wanted then break end
      if tonumber(levels[i + 1]) < 0 and not plain then
        take(queue)
        plain = true
      end
      local level = base .. 'priority.' .. levels[i]
      take(level)
      if redis.call('EXISTS', level) == 0 then redis.call('ZREM', priorities, levels[i]) end
    end
    if not plain then take(queue) end
  end
  -- a wake marker left at the plain list's head (no reader was blocked) goes too
  while redis.call('LINDEX', queue, -1) == WAKE do redis.call('RPOP', queue) end
  return taken
end
