/**
 * The in-memory backend: one process, nothing kept across restarts. For
 * tests, for `alwaysEager`-free experiments, and for a producer and a
 * consumer that share one Node process. It implements every optional member
 * of the contract, so it is also the reference a new backend can be read
 * against.
 *
 * @module
 */
import { BaseDataStore, BaseQueue, EmptyData, type DeadLetter } from './base.js';

/** A first-in, first-out list with O(1) push and shift. */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  unshift(item: T): void {
    if (this.#head > 0) this.#items[--this.#head] = item;
    else this.#items.unshift(item);
  }
  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head++];
    // compact once the consumed prefix dominates, keeping shift amortised O(1)
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i]!;
  }
}

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
  #messages = new Fifo<string>();
  #claimed = new Set<string>();
  #scheduled: { eta: number; data: string }[] = [];
  #dead: DeadLetter[] = [];
  #readers = new Set<(data: string | null) => void>();
  #leases = new Map<string, number>();

  async write(data: string): Promise<void> {
    const [reader] = this.#readers;
    if (reader !== undefined) {
      this.#readers.delete(reader);
      this.#claimed.add(data);
      reader(data);
    } else {
      this.#messages.push(data);
    }
  }

  async read(timeoutMs = 0): Promise<string | null> {
    const data = this.#messages.shift();
    if (data !== undefined) {
      this.#claimed.add(data);
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
    for (const data of taken) this.#claimed.add(data);
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
    this.#waiters.delete(key);
    for (const wake of waiters ?? []) wake();
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
