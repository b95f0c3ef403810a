/**
 * The in-memory backend: one process, nothing kept across restarts. For
 * tests, for `alwaysEager`-free experiments, and for a producer and a
 * consumer that share one Node process. It implements the verbs of
 * `base.ts`, the fast path and inspection, and leaves every control to the
 * package (on its {@link MemoryQueue.controlStore}), so it is also the
 * reference a new backend can be read against.
 *
 * @module
 */
import { hostname } from 'node:os';
import { mentionsTask } from './inspection.js';
import { BaseDataStore, BaseQueue, EmptyData } from './base.js';
import type { DeliveryCount } from './deliveries.js';
import type { Finish, NextEta, PushedResults, ReadMany } from './fast-path.js';
import type { ClaimedMessage, ConsumerInfo, Inspection, ScheduledMessage, StoreInspection } from './inspection.js';
import { PriorityLevels } from './memory/levels.js';
import { MemoryRecords } from './memory/records.js';
import type { KeepsRecords, Records } from './records.js';

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
export class MemoryQueue extends BaseQueue implements ReadMany, Finish, NextEta, Inspection, DeliveryCount, KeepsRecords {
  /** Always `true`: a read waits for a write. */
  readonly blocking = true;
  /** `true`: reads take the highest priority first. */
  override readonly priorities = true;
  /** Where the controls keep revocations, locks, leases and dead letters: a store of this queue's own. */
  override readonly controlStore = new MemoryDataStore('controls');
  /** The history of finished calls and the counters of `/metrics`, in this process. */
  readonly records: Records = new MemoryRecords();
  #messages = new PriorityLevels();
  /** Messages taken and not acknowledged, with when they were taken. */
  #claimed = new Map<string, number>();
  #trace: string[] = [];
  #scheduled: { eta: number; data: string }[] = [];
  #readers = new Set<(data: string | null) => void>();

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

  /** Always 1: nothing gives a memory queue's message back (no recovery, no other process), so each is handed out once. */
  deliveries(): number {
    return 1;
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

  /** Wakes every blocked `read` with `null`, and closes the control store. */
  async close(): Promise<void> {
    for (const reader of this.#readers) reader(null);
    this.#readers.clear();
    await this.controlStore.close();
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
}

/**
 * A data store in this process's memory. A blocking `AsyncData.get` is
 * woken the moment the result is put (no polling).
 */
export class MemoryDataStore extends BaseDataStore implements PushedResults, StoreInspection {
  /** Values by key, each with the instant it stops being there (`Infinity`: never). */
  #values = new Map<string, { value: string; until: number }>();
  #waiters = new Map<string, Set<() => void>>();

  async put(key: string, value: string, ttlMs?: number): Promise<void> {
    this.#values.set(key, { value, until: ttlMs === undefined ? Infinity : Date.now() + ttlMs });
    const waiters = this.#waiters.get(key);
    if (waiters === undefined) return;
    this.#waiters.delete(key);
    for (const wake of waiters) wake();
  }

  async get(key: string): Promise<string | typeof EmptyData> {
    const value = this.#live(key);
    this.#values.delete(key);
    return value;
  }

  async peek(key: string): Promise<string | typeof EmptyData> {
    return this.#live(key);
  }

  async putIfEmpty(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.#live(key) !== EmptyData) return false;
    await this.put(key, value, ttlMs);
    return true;
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.#values.keys()].filter((key) => key.startsWith(prefix) && this.#live(key) !== EmptyData);
  }

  async wait(key: string, timeoutMs: number): Promise<boolean> {
    if (this.#live(key) !== EmptyData) return true;
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(key) ?? new Set<() => void>();
      this.#waiters.set(key, waiters);
      const wake = (): void => {
        clearTimeout(timer);
        resolve(this.#live(key) !== EmptyData);
      };
      const timer = setTimeout(() => {
        waiters.delete(wake);
        if (waiters.size === 0) this.#waiters.delete(key);
        resolve(this.#live(key) !== EmptyData);
      }, timeoutMs);
      waiters.add(wake);
    });
  }

  async flush(): Promise<void> {
    this.#values.clear();
  }

  async count(): Promise<number> {
    return (await this.keys('')).length;
  }

  /** Wakes every waiter; those whose key is still empty see `false`. */
  async close(): Promise<void> {
    for (const waiters of this.#waiters.values()) for (const wake of waiters) wake();
    this.#waiters.clear();
  }

  /** The value under `key` while its time to live runs; one that ran out is dropped. */
  #live(key: string): string | typeof EmptyData {
    const found = this.#values.get(key);
    if (found === undefined) return EmptyData;
    if (found.until > Date.now()) return found.value;
    this.#values.delete(key);
    return EmptyData;
  }
}

/** huey 0.2's name for {@link MemoryQueue}. */
export const DummyQueue = MemoryQueue;
/** huey 0.2's name for {@link MemoryDataStore}. */
export const DummyDataStore = MemoryDataStore;
