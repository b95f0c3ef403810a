/**
 * The Lua scripts behind priorities, revocations and locks on Redis (see
 * `./scripts.ts` for the conventions). Priorities:
 *
 * - A message of priority 0 goes where it always went: `LPUSH` to the
 *   queue's list (the plain list). A message of another priority goes to a
 *   list of its own, `<base>priority.<p>`, and `p` joins the sorted set
 *   `<base>priorities`. The claim script takes from the levels highest
 *   first, the plain list after the level 0 and before the negative ones;
 *   with no level in use, the claim is what it was plus one `EXISTS`.
 * - A blocking read waits (`BLMOVE`) on the plain list only. A write of
 *   another priority that finds the plain list empty also pushes
 *   {@link WAKE} there, which wakes a waiting reader; the reader then claims
 *   with the claim script, which drops the marker. A claim that meets a
 *   marker drops it too, so at most a few exist, at the head of the list.
 *
 * Revocations keep one rule: **while any revocation exists, no message
 * waits in the plain list.** A revocation moves the plain list's messages
 * to the level 0 list (`<base>priority.0`), and writes and requeues of
 * priority 0 go there while the hash of revocations exists. So a message
 * a blocked read takes (only ever from the plain list) was taken while no
 * revocation was in force, and the consumer runs it without asking; every
 * other message comes through the claim script, which says whether any
 * revocation exists.
 *
 * @internal
 * @module
 */
import type { ScriptDefinition } from './scripts.js';

/** Pushed to the plain list to wake a blocked reader for a message of another priority; never a message (not JSON). */
export const WAKE = 'huey:wake';

/**
 * Lua: puts a message back at the head of its priority's list (a message
 * read from the queue and not run: recovery, release, reclaim). Reads the
 * priority from the envelope's head as `messagePriority` does; priority 0
 * goes to the level 0 list while any revocation exists. A message put on a
 * level's list wakes a blocked reader, as a write does.
 */
export const requeueLua = `
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
  if redis.call('LLEN', queue) == 0 then redis.call('LPUSH', queue, '${WAKE}') end
end
`;

/**
 * Writes a message: `LPUSH` to the plain list for priority 0 while no
 * revocation exists; else to its level's list (level 0 for priority 0),
 * waking a blocked reader when the plain list is empty.
 *
 * KEYS: queue, priorities, level list, revoked. ARGV: message, priority as written in it ('0' when it has none).
 */
export const write: ScriptDefinition = {
  numberOfKeys: 4,
  lua: `
if ARGV[2] == '0' and redis.call('EXISTS', KEYS[4]) == 0 then return redis.call('LPUSH', KEYS[1], ARGV[1]) end
redis.call('LPUSH', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[2])
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('LPUSH', KEYS[1], '${WAKE}') end
return 1
`,
};

/**
 * Keeps a revocation, and moves the messages waiting in the plain list
 * behind those of the level 0 list (a rename when it has none), waking a
 * reader for them: from now on a blocked read finds none.
 *
 * KEYS: revoked, queue, priorities, level 0 list. ARGV: key, revocation.
 * Returns how many messages moved (1 for a rename).
 */
export const revoke: ScriptDefinition = {
  numberOfKeys: 4,
  lua: `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
while redis.call('LINDEX', KEYS[2], -1) == '${WAKE}' do redis.call('RPOP', KEYS[2]) end
if redis.call('LLEN', KEYS[2]) == 0 then return 0 end
local moved = 1
if redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('RENAME', KEYS[2], KEYS[4])
else
  moved = 0
  while redis.call('LMOVE', KEYS[2], KEYS[4], 'RIGHT', 'LEFT') do moved = moved + 1 end
end
redis.call('ZADD', KEYS[3], 0, '0')
redis.call('LPUSH', KEYS[2], '${WAKE}')
return moved
`,
};

/**
 * The waiting messages of every priority, wake markers not counted (they sit at the head).
 *
 * KEYS: queue, priorities. ARGV: key base.
 */
export const queueLength: ScriptDefinition = {
  numberOfKeys: 2,
  lua: `
local n = redis.call('LLEN', KEYS[1])
if n > 0 then n = n - #redis.call('LPOS', KEYS[1], '${WAKE}', 'RANK', -1, 'COUNT', 0, 'MAXLEN', 1000) end
for _, level in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do n = n + redis.call('LLEN', ARGV[1] .. 'priority.' .. level) end
return n
`,
};

/**
 * Removes every waiting message of every priority.
 *
 * KEYS: queue, priorities. ARGV: key base.
 */
export const flushQueue: ScriptDefinition = {
  numberOfKeys: 2,
  lua: `
for _, level in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do redis.call('DEL', ARGV[1] .. 'priority.' .. level) end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`,
};

/**
 * The first of the keys revoked at `now` in the hash of revocations
 * (`<until ms or empty>:<once 0|1>`); a `once` one found, or one ended, is
 * removed. A small hash is also swept of every ended revocation, so that it
 * disappears once none is in force and claims stop asking.
 *
 * KEYS: revoked. ARGV: now ms, keys...
 * Returns the key found, or nil.
 */
export const revoked: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `
local now = tonumber(ARGV[1])
if redis.call('HLEN', KEYS[1]) <= 16 then
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all, 2 do
    local untilMs = tonumber(string.sub(all[i + 1], 1, string.find(all[i + 1], ':', 1, true) - 1))
    if untilMs and untilMs <= now then redis.call('HDEL', KEYS[1], all[i]) end
  end
end
for i = 2, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v then
    local sep = string.find(v, ':', 1, true)
    local untilMs = tonumber(string.sub(v, 1, sep - 1))
    if untilMs and untilMs <= now then
      redis.call('HDEL', KEYS[1], ARGV[i])
    else
      if string.sub(v, sep + 1) == '1' then redis.call('HDEL', KEYS[1], ARGV[i]) end
      return ARGV[i]
    end
  end
end
return false
`,
};

/**
 * Removes a revocation and returns what it was (to tell whether it was still in force).
 *
 * KEYS: revoked. ARGV: key.
 */
export const restore: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then redis.call('HDEL', KEYS[1], ARGV[1]) end
return v
`,
};

/**
 * Takes a lock when free (`SET NX PX`) and records its name.
 *
 * KEYS: lock, locks. ARGV: token, ttl ms, name.
 */
export const lock: ScriptDefinition = {
  numberOfKeys: 2,
  lua: `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('SADD', KEYS[2], ARGV[3])
  return 1
end
return 0
`,
};

/**
 * Extends a lock's lease when the token still holds it.
 *
 * KEYS: lock. ARGV: token, ttl ms.
 */
export const renewLock: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`,
};

/**
 * Releases a lock when the token holds it.
 *
 * KEYS: lock, locks. ARGV: token, name.
 */
export const unlock: ScriptDefinition = {
  numberOfKeys: 2,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
return 0
`,
};

/**
 * The names of the locks held now; names whose lease ran out leave the set.
 *
 * KEYS: locks. ARGV: key base.
 */
export const locks: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `
local held = {}
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. 'lock.' .. name) == 1 then held[#held + 1] = name else redis.call('SREM', KEYS[1], name) end
end
return held
`,
};

/**
 * Releases every lock; returns how many were held.
 *
 * KEYS: locks. ARGV: key base.
 */
export const flushLocks: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `
local count = 0
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do count = count + redis.call('DEL', ARGV[1] .. 'lock.' .. name) end
redis.call('DEL', KEYS[1])
return count
`,
};

/** Every control script, by name. */
export const controlScripts = { write, revoke, queueLength, flushQueue, revoked, restore, lock, renewLock, unlock, locks, flushLocks } as const;
