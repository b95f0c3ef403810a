/**
 * The loader of the Redis backend's Lua scripts: one `.lua` file per atomic
 * operation in `./lua/`, read once when this module is imported and
 * defined on each client as a command (`huey` + the operation's name in
 * camel case: `dead-letter.lua` is `hueyDeadLetter`). Each script runs
 * inside Redis as one step, so no other client sees it half done. The Lua
 * lives in files rather than in strings so that it reads, diffs and lints
 * as Lua; the build copies the folder next to this module in `dist/`.
 *
 * A line `--- @include "includes/<name>"` is replaced by that file of
 * `./lua/includes/` (once per script, however many includes name it): the
 * pieces two scripts share, such as the claim that both `claim` and
 * `finish` make.
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
 * Priorities:
 *
 * - A message of priority 0 goes where it always went: `LPUSH` to the
 *   queue's list (the plain list). A message of another priority goes to a
 *   list of its own, `<base>priority.<p>`, and `p` joins the sorted set
 *   `<base>priorities`. The claim takes from the levels highest first, the
 *   plain list after the level 0 and before the negative ones; with no
 *   level in use, the claim is what it was plus one `EXISTS`.
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
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';

/** Pushed to the plain list to wake a blocked reader for a message of another priority; never a message (not JSON). `./lua/includes/wake.lua` says the same. */
export const WAKE = 'huey:wake';

/**
 * Each script of `./lua/`, by file name, with how many of its leading
 * arguments are keys (the rest are ARGV); `null`: the caller passes that
 * number first (`finish`, whose keys grow with its calls).
 */
const NUMBER_OF_KEYS = {
  claim: 6,
  due: 4,
  heartbeat: 2,
  'dead-letter': 2,
  recover: 3,
  reclaim: 3,
  release: 5,
  'put-result': 1,
  finish: null,
  write: 4,
  revoke: 4,
  'queue-length': 2,
  'flush-queue': 2,
  revoked: 1,
  restore: 1,
  lock: 2,
  'renew-lock': 1,
  unlock: 2,
  locks: 1,
  'flush-locks': 1,
} as const satisfies Record<string, number | null>;

/** A script as ioredis defines it. */
export interface Script {
  /** The command's name on a client, e.g. `hueyDeadLetter`. */
  command: string;
  /** The Lua source, its includes in place. */
  lua: string;
  /** How many leading arguments are keys; `null`: the caller passes that number first. */
  numberOfKeys: number | null;
}

/** Where the `.lua` files are: next to this module, in `src/` as in `dist/`. */
const LUA_DIR = new URL('./lua/', import.meta.url);

/** The Lua of `./lua/<name>.lua` with its includes in place; `seen` keeps each include to one copy. */
function source(name: string, seen = new Set<string>()): string {
  let text: string;
  try {
    text = readFileSync(new URL(`${name}.lua`, LUA_DIR), 'utf8');
  } catch (error) {
    throw new Error(`The Redis script ${name}.lua is missing from ${fileURLToPath(LUA_DIR)} (the build copies src/backends/redis/lua/ there: run npm run build)`, { cause: error });
  }
  return text.replace(/^--- @include "([\w/-]+)"$/gm, (_line, included: string) => {
    if (seen.has(included)) return '';
    seen.add(included);
    return source(included, seen).trimEnd();
  });
}

const wake = source('includes/wake');
// the queue tells a marker from a message by comparing with WAKE: the Lua must push the same text
if (!wake.includes(`local WAKE = '${WAKE}'`)) throw new Error(`includes/wake.lua does not define WAKE as '${WAKE}', which lua.ts expects`);

/** Every script, read once. */
export const scripts: readonly Script[] = Object.entries(NUMBER_OF_KEYS).map(([name, numberOfKeys]) => ({
  command: `huey${name.replace(/(?:^|-)([a-z])/g, (_match, letter: string) => letter.toUpperCase())}`,
  lua: source(name),
  numberOfKeys,
}));

/** Defines every script on `client`, as the methods of {@link ScriptCommands}. */
export function defineScripts(client: Redis | Cluster): void {
  for (const { command, lua, numberOfKeys } of scripts) {
    // ioredis sends EVALSHA and falls back to EVAL when the server lost its script cache (e.g. after a restart)
    client.defineCommand(command, { lua, ...(numberOfKeys === null ? {} : { numberOfKeys }) });
  }
}

/** The scripts as ioredis defines them on a client; each script's KEYS and ARGV are in the head of its `.lua` file. */
export interface ScriptCommands {
  hueyClaim(queue: string, processing: string, consumers: string, heartbeat: string, priorities: string, revoked: string, count: number, id: string, heartbeatMs: number, base: string, drop: 0 | 1): Promise<[number, ...string[]]>;
  hueyDue(schedule: string, processing: string, consumers: string, heartbeat: string, now: number, limit: number, id: string, heartbeatMs: number): Promise<string[]>;
  hueyHeartbeat(consumers: string, heartbeat: string, id: string, heartbeatMs: number): Promise<number>;
  hueyDeadLetter(processing: string, dead: string, data: string, entry: string): Promise<number>;
  hueyRecover(queue: string, consumers: string, priorities: string, base: string, graceMs: number, ...deadIds: string[]): Promise<number>;
  hueyReclaim(queue: string, processing: string, priorities: string, base: string, ...held: string[]): Promise<number>;
  hueyRelease(queue: string, processing: string, consumers: string, heartbeat: string, priorities: string, id: string, settled: '1' | '0', base: string): Promise<number>;
  hueyWrite(queue: string, priorities: string, level: string, revoked: string, data: string, priority: string): Promise<number>;
  hueyRevoke(revoked: string, queue: string, priorities: string, levelZero: string, key: string, revocation: string): Promise<number>;
  hueyQueueLength(queue: string, priorities: string, base: string): Promise<number>;
  hueyFlushQueue(queue: string, priorities: string, base: string): Promise<number>;
  hueyRevoked(revoked: string, nowMs: number, ...keys: string[]): Promise<string | null>;
  hueyRestore(revoked: string, key: string): Promise<string | null>;
  hueyLock(lock: string, locks: string, token: string, ttlMs: number, name: string): Promise<number>;
  hueyRenewLock(lock: string, token: string, ttlMs: number): Promise<number>;
  hueyUnlock(lock: string, locks: string, token: string, name: string): Promise<number>;
  hueyLocks(locks: string, base: string): Promise<string[]>;
  hueyFlushLocks(locks: string, base: string): Promise<number>;
  hueyPutResult(key: string, value: string, ttlMs: number, channel: string, announced: string): Promise<number>;
  /** KEYS and ARGV as `./lua/finish.lua` says, the number of keys first. */
  hueyFinish(numberOfKeys: number, ...keysAndArgv: (string | number)[]): Promise<[number, ...string[]]>;
}
