/**
 * Limits per command, written once on the verbs of a data store (the
 * queue's control store), so they hold across every consumer of a queue on
 * any backend.
 *
 * Both limits are a set of numbered *slots*, one key each, taken with
 * `putIfEmpty` (of several takers of one slot, one wins) and freed by
 * their time to live:
 *
 * - **rate** `rate:<command>:<i>`, `i` below `calls`: a start takes a free
 *   slot for `per` seconds and never gives it back early. While a slot is
 *   taken it cannot be taken again, so no window of `per` seconds holds
 *   more than `calls` starts. The value is the start's time, so a call
 *   that finds every slot taken knows when the earliest one frees.
 * - **concurrency** `running:<command>:<i>`, `i` below the limit: a call
 *   holds a slot while it runs, as a lease (renewed every third of it,
 *   released when the call ends, like a lock of `locks.ts`). A holder that
 *   dies frees it when the lease runs out, or at once when another
 *   consumer on its host sees its process gone.
 *
 * A take peeks every slot at once (one round trip, as many reads as
 * slots), then puts into a free one (one more); a full set answers what
 * its holders hold, with no write. `limit:<command>` describes a limited
 * command for `huey info`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { EmptyData, type BaseDataStore, type BaseQueue } from '../backends/base.js';
import type { RateLimit } from '../core/registry.js';
import * as check from '../core/validate.js';
import { ConfigurationError } from '../exceptions.js';
import { DEFAULT_LOCK_LEASE } from './lock.js';

/** Seconds a concurrency slot's lease lasts without a renewal: how long a holder that died keeps it (as a lock's). */
export const SLOT_LEASE = DEFAULT_LOCK_LEASE;

/** How many times a take looks again when others took the free slots it saw first. */
const TAKE_ROUNDS = 3;

/** How long a description of a limited command stays without being written again. */
const DESCRIPTION_TTL_MS = 24 * 3600 * 1000;

const HOST = hostname();

/** A slot taken: its key and the value that says it is this holder's. */
export interface HeldSlot {
  readonly key: string;
  readonly value: string;
}

/** Who holds a concurrency slot, as its value says. */
export interface SlotHolder {
  /** When the holder took it, ms since the epoch. */
  readonly since: number;
  readonly host: string;
  readonly pid: number;
}

/** The limits of one command, as described for `huey info`. */
export interface CommandLimits {
  readonly rateLimit?: RateLimit;
  readonly concurrency?: number;
}

/** How much of its limits a command uses now, as `huey info` shows it. */
export interface LimitUse extends CommandLimits {
  readonly command: string;
  /** Starts in the current window (rate limit), or `null` without one. */
  readonly started: number | null;
  /** Calls running now (concurrency), or `null` without one. */
  readonly running: number | null;
  /** In words: `3 of 5 per 1 s, 2 of 2 running`. */
  readonly use: string;
}

/** The validated `rateLimit` and `concurrency` of a command, or nothing when it has neither. */
export function limitsOption(queue: BaseQueue, options: { rateLimit?: unknown; concurrency?: unknown }): CommandLimits {
  const rateLimit = check.rateLimit('rateLimit', options.rateLimit);
  const concurrency = options.concurrency === undefined ? undefined : check.positiveInteger('concurrency', options.concurrency, 1);
  if (rateLimit === undefined && concurrency === undefined) return {};
  if (queue.controlStore === undefined) throw new ConfigurationError(`Queue "${queue.name}" (${queue.constructor.name}) keeps no limits: give it a controlStore (backends/base.ts)`);
  return { ...(rateLimit !== undefined ? { rateLimit } : {}), ...(concurrency !== undefined ? { concurrency } : {}) };
}

/** The rate and concurrency limits of commands, kept in one data store. */
export class StoredLimits {
  readonly #store: BaseDataStore;

  constructor(store: BaseDataStore) {
    this.#store = store;
  }

  /**
   * Takes one start of `command`'s rate limit at `now`.
   *
   * @returns `null` when the start is taken; else when the earliest start of the window leaves it, ms since the epoch.
   */
  async takeStart(command: string, limit: RateLimit, now: number): Promise<number | null> {
    const perMs = Math.max(1, Math.round(limit.per * 1000));
    const taken = await this.#take(slotKeys(RATE, command, limit.calls), String(now), perMs);
    if (!Array.isArray(taken)) return null;
    // every take lost a race, yet no slot read as taken: look again soon
    if (taken.length === 0) return now + 10;
    return Math.min(...taken.map((value) => Number(value) || now)) + perMs;
  }

  /**
   * Takes a concurrency slot of `command` for as long as `leaseMs`.
   *
   * @returns The slot taken, or who holds every slot.
   */
  async takeSlot(command: string, concurrency: number, leaseMs: number, now: number): Promise<HeldSlot | SlotHolder[]> {
    const keys = slotKeys(RUNNING, command, concurrency);
    const value = `${now}|${HOST}|${process.pid}|${randomUUID()}`;
    for (let round = 0; round < 2; round++) {
      const taken = await this.#take(keys, value, leaseMs);
      if (!Array.isArray(taken)) return { key: taken, value };
      // a holder whose process is gone from this host frees its slot at once, as recovery returns its messages
      if (round > 0 || !(await this.#freeGone(keys, taken))) return taken.map(holderOf);
    }
    return [];
  }

  /** Extends the lease of a slot still held; `false` when its lease ran out and it was lost. */
  async renewSlot(slot: HeldSlot, leaseMs: number): Promise<boolean> {
    if ((await this.#store.peek(slot.key)) !== slot.value) return false;
    await this.#store.put(slot.key, slot.value, leaseMs);
    return true;
  }

  /** Gives a slot back; one another holder took meanwhile is left alone. */
  async releaseSlot(slot: HeldSlot): Promise<void> {
    if ((await this.#store.peek(slot.key)) === slot.value) await this.#store.get(slot.key);
  }

  /** Writes what `command`'s limits are, for `huey info`. */
  async describe(command: string, limits: CommandLimits): Promise<void> {
    await this.#store.put(LIMIT + encodeURIComponent(command), JSON.stringify(limits), DESCRIPTION_TTL_MS);
  }

  /** How much of its limits each described command uses now, by command name. */
  async use(): Promise<LimitUse[]> {
    const found: LimitUse[] = [];
    for (const key of (await this.#store.keys(LIMIT)).sort()) {
      const text = await this.#store.peek(key);
      if (text === EmptyData) continue;
      const command = decodeURIComponent(key.slice(LIMIT.length));
      const limits = JSON.parse(text) as CommandLimits;
      const live = async (prefix: string, count: number): Promise<number> => (await this.#peekAll(slotKeys(prefix, command, count))).filter((v) => v !== EmptyData).length;
      const started = limits.rateLimit === undefined ? null : await live(RATE, limits.rateLimit.calls);
      const running = limits.concurrency === undefined ? null : await live(RUNNING, limits.concurrency);
      const words = [
        ...(limits.rateLimit === undefined ? [] : [`${started} of ${limits.rateLimit.calls} per ${limits.rateLimit.per} s`]),
        ...(limits.concurrency === undefined ? [] : [`${running} of ${limits.concurrency} running`]),
      ];
      found.push({ command, ...limits, started, running, use: words.join(', ') });
    }
    return found;
  }

  /** Puts `value` into a free slot of `keys`: the key taken, or the values of every slot when all are taken. */
  async #take(keys: string[], value: string, ttlMs: number): Promise<string | string[]> {
    let values: (string | typeof EmptyData)[] = [];
    for (let round = 0; round < TAKE_ROUNDS; round++) {
      values = await this.#peekAll(keys);
      const free = keys.filter((_, i) => values[i] === EmptyData);
      if (free.length === 0) break;
      // begin at a random free slot, so takers at the same moment rarely race for one
      const start = Math.floor(Math.random() * free.length);
      for (let i = 0; i < free.length; i++) {
        const key = free[(start + i) % free.length]!;
        if (await this.#store.putIfEmpty(key, value, ttlMs)) return key;
      }
    }
    return values.filter((v): v is string => v !== EmptyData);
  }

  #peekAll(keys: string[]): Promise<(string | typeof EmptyData)[]> {
    return Promise.all(keys.map((key) => this.#store.peek(key)));
  }

  /** Frees the slots of `keys` whose holder's process is gone from this host; `true` when it freed any. */
  async #freeGone(keys: string[], values: string[]): Promise<boolean> {
    let freed = false;
    for (const value of values) {
      const holder = holderOf(value);
      if (holder.host !== HOST || holder.pid === process.pid || !processGone(holder.pid)) continue;
      for (const key of keys) if ((await this.#store.peek(key)) === value && (await this.#store.get(key)) !== EmptyData) freed = true;
    }
    return freed;
  }
}

/** The limits of a queue, kept in its control store; `undefined` without one. */
export function limitsOf(queue: BaseQueue): StoredLimits | undefined {
  return queue.controlStore === undefined ? undefined : new StoredLimits(queue.controlStore);
}

const RATE = 'rate:';
const RUNNING = 'running:';
const LIMIT = 'limit:';

/** The keys of a command's slots; the name is escaped, as a key names a file on the file backend. */
const slotKeys = (prefix: string, command: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}${encodeURIComponent(command)}:${i}`);

/** A concurrency slot's value read back: `<since>|<host>|<pid>|<token>` (the host may hold no `|`). */
function holderOf(value: string): SlotHolder {
  const [since, host, pid] = value.split('|');
  return { since: Number(since) || 0, host: host ?? '', pid: Number(pid) || 0 };
}

/** `true` only when no process of this pid exists on this host (ESRCH); one we may not signal exists. */
function processGone(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
