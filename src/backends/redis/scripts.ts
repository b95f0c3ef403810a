/**
 * The Lua scripts of the Redis backend, one per atomic operation. Each runs
 * inside Redis as one step, so no other client sees it half done.
 *
 * Lists are used the way huey 0.2 used them: `LPUSH` writes at the left,
 * reads take from the right, so the right end is the head of the queue. A
 * consumer's processing list gets its newest claim at the left; putting a
 * list back with `LMOVE src queue LEFT RIGHT` until it is empty leaves its
 * oldest message at the head again.
 *
 * Every key a script touches shares one hash tag (`{name}`), so the
 * scripts also run on Redis Cluster. `recover` builds the keys of other
 * consumers from a base passed in ARGV; they carry the same tag and so live
 * in the same slot.
 *
 * @internal
 * @module
 */

import { controlScripts, requeueLua, WAKE } from './control-scripts.js';

/** A Lua script and how many of its arguments are keys. */
export interface ScriptDefinition {
  /** The Lua source. */
  lua: string;
  /** How many leading arguments are keys (the rest are ARGV); `null`: the caller passes that number first. */
  numberOfKeys: number | null;
}

/**
 * The Lua of a claim, shared by `claim` and `finish`: registers the
 * consumer when its heartbeat is missing, then moves up to `count` messages
 * into its processing list: the highest priority first (see
 * `./control-scripts.ts`), each priority from its head. A wake marker met
 * on the way is dropped, as is the one a blocked read just moved into the
 * processing list when `drop` is '1'.
 *
 * Returns whether any revocation exists (1 or 0), then the messages claimed, oldest first.
 */
const claimLua = `
local function claim(queue, processing, consumers, heartbeat, priorities, revoked, count, id, heartbeatMs, base, drop)
  if redis.call('EXISTS', heartbeat) == 0 then
    redis.call('SET', heartbeat, id, 'PX', heartbeatMs)
    redis.call('ZADD', consumers, 0, id)
  end
  if drop == '1' then redis.call('LREM', processing, 1, '${WAKE}') end
  local wanted = tonumber(count) + 1
  local taken = { redis.call('EXISTS', revoked) }
  local function take(from)
    while #taken < wanted do
      local data = redis.call('LMOVE', from, processing, 'RIGHT', 'LEFT')
      if not data then return end
      if data == '${WAKE}' then redis.call('LPOP', processing) else taken[#taken + 1] = data end
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
  while redis.call('LINDEX', queue, -1) == '${WAKE}' do redis.call('RPOP', queue) end
  return taken
end
`;

/**
 * Claims up to `count` messages into the consumer's processing list (see
 * `claimLua`), registering the consumer when its heartbeat is missing.
 *
 * KEYS: queue, processing, consumers, heartbeat, priorities, revoked.
 * ARGV: count, consumer id, heartbeat ms, key base, drop (0|1).
 * Returns whether any revocation exists (1 or 0), then the messages claimed, oldest first.
 */
export const claim: ScriptDefinition = {
  numberOfKeys: 6,
  lua: `${claimLua}
return claim(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
`,
};

/**
 * Takes up to `limit` scheduled messages whose eta is at or before `now`,
 * earliest first, into the consumer's processing list: a consumer that
 * dies before running (or re-queueing) them does not lose them.
 *
 * KEYS: schedule, processing, consumers, heartbeat. ARGV: now ms, limit, consumer id, heartbeat ms.
 * Returns the messages taken.
 */
export const due: ScriptDefinition = {
  numberOfKeys: 4,
  lua: `
local taken = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
if #taken == 0 then return taken end
if redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('SET', KEYS[4], ARGV[3], 'PX', ARGV[4])
  redis.call('ZADD', KEYS[3], 0, ARGV[3])
end
for _, data in ipairs(taken) do
  redis.call('ZREM', KEYS[1], data)
  redis.call('LPUSH', KEYS[2], data)
end
return taken
`,
};

/**
 * Refreshes the consumer's heartbeat and marks it alive in the registry
 * (which also undoes a `recover` that thought it dead during a long pause).
 *
 * KEYS: consumers, heartbeat. ARGV: consumer id, heartbeat ms.
 */
export const heartbeat: ScriptDefinition = {
  numberOfKeys: 2,
  lua: `
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[1], 0, ARGV[1])
return 1
`,
};

/**
 * Moves a message from the consumer's processing list to the dead letters,
 * as a JSON entry with its reason and time.
 *
 * KEYS: processing, dead. ARGV: message, entry.
 */
export const deadLetter: ScriptDefinition = {
  numberOfKeys: 2,
  lua: `
redis.call('LREM', KEYS[1], -1, ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1
`,
};

/**
 * Returns the processing lists of dead consumers to the head of the queue.
 * A consumer is dead when its heartbeat key has expired, or when the caller
 * names it (a process on the caller's host that no longer exists). A dead
 * consumer stays registered for `grace` ms after it was first seen dead, so
 * a claim it made in its last instant (a blocking move still in flight when
 * its connection closed) is found by a later run too.
 *
 * KEYS: queue, consumers, priorities. ARGV: key base (`<prefix>{name}.`), grace ms, dead ids...
 * Returns how many messages came back.
 */
export const recover: ScriptDefinition = {
  numberOfKeys: 3,
  lua: `${requeueLua}
local base = ARGV[1]
local grace = tonumber(ARGV[2])
local named = {}
for i = 3, #ARGV do named[ARGV[i]] = true end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local moved = 0
local consumers = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #consumers, 2 do
  local id = consumers[i]
  local since = tonumber(consumers[i + 1])
  local beat = base .. 'heartbeat.' .. id
  if named[id] then redis.call('DEL', beat) end
  if redis.call('EXISTS', beat) == 0 then
    local processing = base .. 'processing.' .. id
    while true do
      local data = redis.call('LPOP', processing)
      if not data then break end
      requeue(data, KEYS[1], base, KEYS[3])
      moved = moved + 1
    end
    if since == 0 then
      redis.call('ZADD', KEYS[2], now, id)
    elseif now - since > grace then
      redis.call('ZREM', KEYS[2], id)
    end
  end
end
return moved
`,
};

/**
 * Puts back at the head of the queue every message in the consumer's
 * processing list that the consumer does not hold: after a reconnect, a
 * claim whose reply was lost with the connection left its message there.
 *
 * KEYS: queue, processing, priorities. ARGV: key base, the messages the consumer holds.
 * Returns how many messages went back.
 */
export const reclaim: ScriptDefinition = {
  numberOfKeys: 3,
  lua: `${requeueLua}
local held = {}
for i = 2, #ARGV do held[ARGV[i]] = true end
local moved = 0
for _, data in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  if not held[data] then
    redis.call('LREM', KEYS[2], 1, data)
    requeue(data, KEYS[1], ARGV[1], KEYS[3])
    moved = moved + 1
  end
end
return moved
`,
};

/**
 * A consumer stops: its processing list goes back to the head of the
 * queue and its heartbeat is removed. When its blocking read was ended on
 * the server (`CLIENT UNBLOCK`, ARGV[2] = '1'), nothing can land in its
 * list any more and it leaves the consumers set; otherwise it stays
 * registered, marked dead from now, so `recover` still finds a claim that
 * lands after this.
 *
 * KEYS: queue, processing, consumers, heartbeat, priorities. ARGV: consumer id, '1' when no read can still land, key base.
 * Returns how many messages went back.
 */
export const release: ScriptDefinition = {
  numberOfKeys: 5,
  lua: `${requeueLua}
local moved = 0
while true do
  local data = redis.call('LPOP', KEYS[2])
  if not data then break end
  requeue(data, KEYS[1], ARGV[3], KEYS[5])
  moved = moved + 1
end
redis.call('DEL', KEYS[4])
if ARGV[2] == '1' then
  redis.call('ZREM', KEYS[3], ARGV[1])
elseif redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  local time = redis.call('TIME')
  redis.call('ZADD', KEYS[3], tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000), ARGV[1])
end
return moved
`,
};

/**
 * The Lua that stores a result and wakes its waiters, shared by `putResult`
 * and `finish` so both store a result the same way: a function of the
 * result's key, its value, its time to live in ms (0: keep until read), the
 * store's channel and the key as announced on it.
 */
const storeResultLua = `
local function storeResult(key, value, ttl, channel, announced)
  if tonumber(ttl) > 0 then
    redis.call('SET', key, value, 'PX', ttl)
  else
    redis.call('SET', key, value)
  end
  redis.call('PUBLISH', channel, announced)
end
`;

/**
 * Stores a result with its time to live and announces its key on the
 * store's channel, which wakes the producers waiting for it.
 *
 * KEYS: result. ARGV: value, ttl ms (0: keep until read), channel, key as announced.
 */
export const putResult: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `${storeResultLua}storeResult(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return 1
`,
};

/**
 * Finishes calls in one step: stores each result as `putResult` does and
 * acknowledges its message (removes it from the consumer's processing
 * list), then claims up to `count` messages for the slots the calls free,
 * as `claim` does. A crash of Redis or of the consumer leaves all of it
 * done or none. The calls that finish in one turn of the consumer's event
 * loop share one run of it (see `./finishes.ts`).
 *
 * KEYS (their number first): processing, queue, consumers, heartbeat, priorities, revoked, then each call's result.
 * ARGV: count, consumer id, heartbeat ms, key base, then for each call: value, ttl ms, channel, key as announced, message.
 * Returns what `claim` returns.
 */
export const finish: ScriptDefinition = {
  numberOfKeys: null,
  lua: `${claimLua}${storeResultLua}
for i = 7, #KEYS do
  local at = 4 + (i - 7) * 5
  storeResult(KEYS[i], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4])
  redis.call('LREM', KEYS[1], -1, ARGV[at + 5])
end
return claim(KEYS[2], KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6], ARGV[1], ARGV[2], ARGV[3], ARGV[4], '0')
`,
};

/** Every script, by the name it is defined under on a client (`huey` + name). */
export const scripts = { claim, due, heartbeat, deadLetter, recover, reclaim, release, putResult, finish, ...controlScripts } as const;
