-- Puts a message back at the head of its priority's list (a message read
-- from the queue and not run: recover, release, reclaim). Reads the
-- priority from the envelope's head as `messagePriority` (core/message.ts)
-- does; priority 0 goes to the level 0 list while any revocation exists. A
-- message put on a level's list wakes a blocked reader, as a write does.
--- @include "includes/wake"
local function requeue(data, queue, base, priorities)
  local level = '0'
  local args = string.find(data, ',"args":', 1, true)
  if args then
    local s, e = string.find(string.sub(data, 1, args - 1), ',"priority":', 1, true)
    if s then
      local text = string.sub(data, e + 1, args - 1)
      if tonumber(text) and tonumber(text) ~= 0 then level = text end
    end
  end
  if level == '0' and redis.call('EXISTS', base .. 'revoked') == 0 then
    redis.call('RPUSH', queue, data)
    return
  end
  redis.call('RPUSH', base .. 'priority.' .. level, data)
  redis.call('ZADD', priorities, tonumber(level), level)
  if redis.call('LLEN', queue) == 0 then redis.call('LPUSH', queue, WAKE) end
end
