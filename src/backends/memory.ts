/**
 * The in-memory backend: one process, nothing kept across restarts. For
 * tests, for `alwaysEager`-free experiments, and for a producer and a
 * consumer that share one Node process. It implements every optional member
 * of the contract, so it is also the reference a new backend can be read
 * against.
 *
 * @module
 */
import { hostname } from 'node:os';
import { mentionsTask } from '../observe/trace.js';
import { BaseDataStore, BaseQueue, EmptyData, type ClaimedMessage, type ConsumerInfo, type DeadLetter, type Revocation, type RevocationEntry, type ScheduledMessage } from './base.js';
import { MemoryLocks, MemoryRevocations } from './memory/controls.js';
import { PriorityLevels } from './memory/levels.js';

/** How many lines the trace of a memory queue keeps; older ones are dropped. */
const MEMORY_TRACE_LINES = 10_000;
/** The id of a memory queue's one consumer: this process. */
const MEMORY_CONSUMER = `memory:${hostname()}:${process.pid}`;

/**
 * A queue in this process's memory. `read` blocks until a message arrives
 * or the timeout passes; messages read stay claimed until `ack`.
 *
 * @example
 * ```ts
 * const invoker = new Invoker(new MemoryQueue('test'), { resultStore: new MemoryDataStore('test') });
 * ```
 */
export class MemoryQueue extends BaseQueue {
  /** Always `true`: a read waits for a write. */
  readonly blocking = true;
  /** `true`: reads take the highest priority first. */
  override readonly priorities = true;
  #messages = new PriorityLevels();
  readonly #revocations = new MemoryRevocations();
  readonly #locks = new MemoryLocks();
  /** Messages taken and not acknowledged, with when they were taken. */
  #claimed = new Map<string, number>();
  #trace: string[] = [];
  #scheduled: { eta: number; data: string }[] = [];
  #dead: DeadLetter[] = [];
  #readers = new Set<(data: string | null) => void>();
  #leases = new Map<string, number>();

  async write(data: string): Promise<void> {
    if (this.#readers.size > 0) {
      const reader = this.#readers.values().next().value!;
      this.#readers.delete(reader);
      this.#claimed.set(data, Date.now());
      reader(data);
    } else {
      this.#messages.push(data);
    }
  }

  async read(timeoutMs = 0): Promise<string | null> {
    const data = this.#messages.shift();
    if (data !== undefined) {
      this.#claimed.set(data, Date.now());
      return data;
    }
    if (timeoutMs <= 0) return null;
    return new Promise((resolve) => {
      const reader = (found: string | null): void => {
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.#readers.delete(reader);
        resolve(null);
      }, timeoutMs);
      this.#readers.add(reader);
    });
  }

  async readMany(count: number, timeoutMs = 0): Promise<string[]> {
    const taken: string[] = [];
    const now = Date.now();
    while (taken.length < count) {
      const data = this.#messages.shift();
      if (data === undefined) break;
      this.#claimed.set(data, now);
      taken.push(data);
    }
    if (taken.length > 0 || timeoutMs <= 0) return taken;
    const data = await this.read(timeoutMs);
    return data === null ? [] : [data];
  }

  /** Stores the result and forgets the message, when `store` is a memory store (of this process, as every one is). */
  async finish(data: string, store: BaseDataStore, key: string, value: string): Promise<boolean> {
    if (!(store instanceof MemoryDataStore)) return false;
    await store.put(key, value);
    this.#claimed.delete(data);
    return true;
  }

  async flush(): Promise<void> {
    this.#messages.clear();
  }

  async length(): Promise<number> {
    return this.#messages.length;
  }

  async ack(data: string): Promise<void> {
    this.#claimed.delete(data);
  }

  async schedule(data: string, eta: Date): Promise<void> {
    const entry = { eta: eta.getTime(), data };
    // keep sorted by eta; equal etas keep their arrival order
    let i = this.#scheduled.length;
    while (i > 0 && this.#scheduled[i - 1]!.eta > entry.eta) i--;
    this.#scheduled.splice(i, 0, entry);
  }

  async due(now: Date, limit: number): Promise<string[]> {
    let count = 0;
    while (count < this.#scheduled.length && count < limit && this.#scheduled[count]!.eta <= now.getTime()) count++;
    const taken = this.#scheduled.splice(0, count).map((entry) => entry.data);
    for (const data of taken) this.#claimed.set(data, Date.now());
    return taken;
  }

  async nextEta(): Promise<Date | null> {
    const first = this.#scheduled[0];
    return first === undefined ? null : new Date(first.eta);
  }

  async deadLetter(data: string, reason: string): Promise<void> {
    this.#claimed.delete(data);
    this.#dead.push({ data, reason, at: new Date() });
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return this.#dead.map((letter) => ({ ...letter }));
  }

  async lease(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    if ((this.#leases.get(key) ?? 0) > now) return false;
    for (const [held, until] of this.#leases) if (until <= now) this.#leases.delete(held);
    this.#leases.set(key, now + ttlMs);
    return true;
  }

  /** Wakes every blocked `read` with `null`. */
  async close(): Promise<void> {
    for (const reader of this.#readers) reader(null);
    this.#readers.clear();
  }

  /** Appends a line to the trace, a list of the last 10,000 lines (`MEMORY_TRACE_LINES`). */
  async traceAppend(line: string): Promise<void> {
    this.#trace.push(line);
    if (this.#trace.length > MEMORY_TRACE_LINES) this.#trace.splice(0, this.#trace.length - MEMORY_TRACE_LINES);
  }

  async traceRead(taskId?: string): Promise<string[]> {
    return taskId === undefined ? [...this.#trace] : this.#trace.filter((line) => mentionsTask(line, taskId));
  }

  async waiting(limit: number): Promise<string[]> {
    const found: string[] = [];
    for (const data of this.#messages) {
      if (found.length >= limit) break;
      found.push(data);
    }
    return found;
  }

  async scheduled(limit: number): Promise<ScheduledMessage[]> {
    return this.#scheduled.slice(0, limit).map(({ data, eta }) => ({ data, eta: new Date(eta) }));
  }

  /** The messages taken in this process; its one consumer is `memory:<host>:<pid>`. */
  async claims(): Promise<ClaimedMessage[]> {
    return [...this.#claimed].map(([data, since]) => ({ consumer: MEMORY_CONSUMER, data, since: new Date(since) }));
  }

  /** The one consumer a memory queue can have: this process, alive while anyone can ask. */
  async consumers(): Promise<ConsumerInfo[]> {
    return [{ id: MEMORY_CONSUMER, host: hostname(), pid: process.pid, lastBeat: new Date(), alive: true }];
  }

  async requeueDeadLetter(letter: DeadLetter): Promise<boolean> {
    const i = this.#dead.findIndex((dead) => dead.data === letter.data && dead.at.getTime() === letter.at.getTime());
    if (i < 0) return false;
    this.#dead.splice(i, 1);
    await this.write(letter.data);
    return true;
  }

  async purgeDeadLetters(): Promise<number> {
    const count = this.#dead.length;
    this.#dead = [];
    return count;
  }

  async revoke(key: string, revocation: Revocation): Promise<void> {
    this.#revocations.revoke(key, revocation);
  }

  async restore(key: string): Promise<boolean> {
    return this.#revocations.restore(key);
  }

  async revoked(keys: string[], now: Date): Promise<string | null> {
    return this.#revocations.revoked(keys, now);
  }

  async revocations(now: Date): Promise<RevocationEntry[]> {
    return this.#revocations.revocations(now);
  }

  async lock(name: string, token: string, ttlMs: number): Promise<boolean> {
    return this.#locks.lock(name, token, ttlMs);
  }

  async renewLock(name: string, token: string, ttlMs: number): Promise<boolean> {
    return this.#locks.renewLock(name, token, ttlMs);
  }

  async unlock(name: string, token: string): Promise<boolean> {
    return this.#locks.unlock(name, token);
  }

  async isLocked(name: string): Promise<boolean> {
    return this.#locks.isLocked(name);
  }

  async locks(): Promise<string[]> {
    return this.#locks.locks();
  }

  async flushLocks(): Promise<number> {
    return this.#locks.flush();
  }
}

/**
 * A result store in this process's memory. A blocking `AsyncData.get` is
 * woken the moment the result is put (no polling).
 */
export class MemoryDataStore extends BaseDataStore {
  #values = new Map<string, string>();
  #waiters = new Map<string, Set<() => void>>();

  async put(key: string, value: string): Promise<void> {
    this.#values.set(key, value);
    const waiters = this.#waiters.get(key);
    if (waiters === undefined) return;
    this.#waiters.delete(key);
    for (const wake of waiters) wake();
  }

  async get(key: string): Promise<string | typeof EmptyData> {
    const value = this.#values.get(key);
    if (value === undefined) return EmptyData;
    this.#values.delete(key);
    return value;
  }

  async peek(key: string): Promise<string | typeof EmptyData> {
    return this.#values.get(key) ?? EmptyData;
  }

  async wait(key: string, timeoutMs: number): Promise<boolean> {
    if (this.#values.has(key)) return true;
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(key) ?? new Set<() => void>();
      this.#waiters.set(key, waiters);
      const wake = (): void => {
        clearTimeout(timer);
        resolve(this.#values.has(key));
      };
      const timer = setTimeout(() => {
        waiters.delete(wake);
        if (waiters.size === 0) this.#waiters.delete(key);
        resolve(this.#values.has(key));
      }, timeoutMs);
      waiters.add(wake);
    });
  }

  async flush(): Promise<void> {
    this.#values.clear();
  }

  async count(): Promise<number> {
    return this.#values.size;
  }

  /** Wakes every waiter; those whose key is still empty see `false`. */
  async close(): Promise<void> {
    for (const waiters of this.#waiters.values()) for (const wake of waiters) wake();
    this.#waiters.clear();
  }
}

/** huey 0.2's name for {@link MemoryQueue}. */
export const DummyQueue = MemoryQueue;
/** huey 0.2's name for {@link MemoryDataStore}. */
export const DummyDataStore = MemoryDataStore;
