/**
 * Locks across processes and machines, as huey 3's `lock_task`: one holder
 * at a time runs what the lock guards; another finds it held and gets
 * {@link TaskLockedException}. A lock is a lease in the queue's backend,
 * renewed while its holder runs, so a holder that dies frees it when the
 * lease runs out.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { BaseQueue } from '../backends/base.js';
import { ConfigurationError, TaskLockedException } from '../exceptions.js';
import { requireLocks } from './locks.js';
import * as check from '../core/validate.js';

/**
 * Seconds a lock's lease lasts without a renewal: how long a holder that
 * died keeps the lock. The holder renews it every third of that.
 */
export const DEFAULT_LOCK_LEASE = 30;

/** Options of {@link queue!Invoker.lockTask}. */
export interface LockOptions {
  /**
   * Seconds the lease lasts without a renewal: a holder that dies frees the lock after this.
   * @defaultValue `30`
   */
  lease?: number;
}

/**
 * A named lock; {@link TaskLock.run} runs a function while holding it.
 *
 * @example
 * ```ts
 * const lock = invoker.lockTask('reports');
 * await lock.run(async () => buildReport()); // TaskLockedException while another holder runs
 * ```
 */
export class TaskLock {
  /** The lock's name, shared by every process that uses it. */
  readonly name: string;
  readonly #queue: BaseQueue;
  readonly #leaseMs: number;

  /**
   * @param queue - The queue whose backend keeps the lock.
   * @param name - The lock's name: a non-empty string.
   * @param options - The lease.
   * @throws ConfigurationError for an empty name, a bad lease, or a queue that keeps no locks.
   */
  constructor(queue: BaseQueue, name: string, options: LockOptions = {}) {
    check.knownKeys('lockTask', options, ['lease']);
    this.name = check.lockName('lock', name);
    const lease = check.seconds('lease', options.lease, DEFAULT_LOCK_LEASE);
    if (!(lease > 0)) check.expected('lease', 'a positive number of seconds', options.lease);
    requireLocks(queue);
    this.#queue = queue;
    this.#leaseMs = Math.max(1, Math.round(lease * 1000));
  }

  /**
   * Takes the lock, runs `fn`, and releases the lock however `fn` ends.
   * While `fn` runs, the lease is renewed every third of its length.
   *
   * @param fn - What the lock guards.
   * @returns What `fn` returned.
   * @throws TaskLockedException when another holder has the lock; `fn` did not run.
   */
  async run<T>(fn: () => T | Promise<T>): Promise<T> {
    const locks = requireLocks(this.#queue);
    const token = randomUUID();
    if (!(await locks.lock(this.name, token, this.#leaseMs))) throw new TaskLockedException(`Lock "${this.name}" is held by another holder`);
    const renew = (): void => {
      // a renewal that fails is tried again at the next tick; a lease that runs out meanwhile is the holder's loss, not an error of fn
      locks.renewLock(this.name, token, this.#leaseMs).catch((error: unknown) => void error);
    };
    const timer = setInterval(renew, Math.max(1, Math.floor(this.#leaseMs / 3)));
    timer.unref();
    try {
      return await fn();
    } finally {
      clearInterval(timer);
      await locks.unlock(this.name, token);
    }
  }

  /** `true` while some holder has the lock. */
  async isLocked(): Promise<boolean> {
    return requireLocks(this.#queue).isLocked(this.name);
  }
}
