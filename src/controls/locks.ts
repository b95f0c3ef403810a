/**
 * Locks and leases written once, on the verbs of a data store: a lock is
 * the key `lock:<name>` in the queue's control store, holding its holder's
 * token, with the lease as its time to live. `putIfEmpty` takes it (of
 * several takers, one succeeds); a renewal and a release first check the
 * token with `peek`. Between that check and the write, a lease that ran
 * out could be taken by another: the renewal happens at a third of the
 * lease, so that needs a holder late by two thirds of it. A backend that
 * keeps locks atomically itself (`backends/locks.ts`) is used instead.
 *
 * @module
 */
import { EmptyData, type BaseDataStore, type BaseQueue } from '../backends/base.js';
import { keepsLocks, type Locks } from '../backends/locks.js';
import { ConfigurationError } from '../exceptions.js';

const LOCK = 'lock:';
const LEASE = 'lease:';

/** Locks and leases kept in a data store. */
export class StoredLocks implements Locks {
  readonly #store: BaseDataStore;

  constructor(store: BaseDataStore) {
    this.#store = store;
  }

  lock(name: string, token: string, ttlMs: number): Promise<boolean> {
    return this.#store.putIfEmpty(lockKey(name), token, ttlMs);
  }

  async renewLock(name: string, token: string, ttlMs: number): Promise<boolean> {
    if ((await this.#store.peek(lockKey(name))) !== token) return false;
    await this.#store.put(lockKey(name), token, ttlMs);
    return true;
  }

  async unlock(name: string, token: string): Promise<boolean> {
    if ((await this.#store.peek(lockKey(name))) !== token) return false;
    return (await this.#store.get(lockKey(name))) !== EmptyData;
  }

  async isLocked(name: string): Promise<boolean> {
    return (await this.#store.peek(lockKey(name))) !== EmptyData;
  }

  async locks(): Promise<string[]> {
    return (await this.#store.keys(LOCK)).map((key) => decodeURIComponent(key.slice(LOCK.length)));
  }

  async flushLocks(): Promise<number> {
    let released = 0;
    for (const key of await this.#store.keys(LOCK)) if ((await this.#store.get(key)) !== EmptyData) released++;
    return released;
  }

  lease(key: string, ttlMs: number): Promise<boolean> {
    return this.#store.putIfEmpty(LEASE + encodeURIComponent(key), String(Date.now()), ttlMs);
  }
}

/** The locks and leases of a queue: its own when it keeps them, else those of its control store; `undefined` with neither. */
export function locksOf(queue: BaseQueue): Locks | undefined {
  if (keepsLocks(queue)) return queue;
  return queue.controlStore === undefined ? undefined : new StoredLocks(queue.controlStore);
}

/**
 * {@link locksOf}, for taking and releasing locks.
 *
 * @throws ConfigurationError for a queue that keeps none.
 */
export function requireLocks(queue: BaseQueue): Locks {
  const locks = locksOf(queue);
  if (locks !== undefined) return locks;
  throw new ConfigurationError(`Queue "${queue.name}" (${queue.constructor.name}) keeps no locks: give it a controlStore (backends/base.ts)`);
}

/** One store key a lock; the key names one file on the file backend, so `/` is escaped. */
const lockKey = (name: string): string => LOCK + encodeURIComponent(name);
