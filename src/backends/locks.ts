/**
 * Locks and leases as a backend may keep them itself, atomically, instead
 * of the generic ones of `controls/locks.ts` (which make them of the
 * control store's `putIfEmpty`, `peek`, `put` and `get`). The Redis backend
 * does, with one script each, so a renewal or a release can never touch a
 * lock another holder took meanwhile.
 *
 * @module
 */
import type { BaseQueue } from './base.js';

/** Locks across processes, each a lease held by a token. */
export interface Locks {
  /**
   * Takes the lock `name` for `token` when it is free: never taken,
   * released, or its lease ran out. A lease is the guard against a holder
   * that dies: the lock is free again `ttlMs` after its last renewal.
   *
   * @returns `true` for the one caller that got it, `false` while it is held.
   */
  lock(name: string, token: string, ttlMs: number): Promise<boolean>;

  /**
   * Extends the lease of a lock still held by `token`.
   *
   * @returns `false` when `token` no longer holds it (its lease ran out and another took it).
   */
  renewLock(name: string, token: string, ttlMs: number): Promise<boolean>;

  /**
   * Releases a lock held by `token`; a lock held by another token is left alone.
   *
   * @returns `true` when it was released.
   */
  unlock(name: string, token: string): Promise<boolean>;

  /** `true` while the lock `name` is held (and its lease runs). */
  isLocked(name: string): Promise<boolean>;

  /** The names of the locks held now. */
  locks(): Promise<string[]>;

  /**
   * Releases every lock, whoever holds it (for a restart after a crash, or tests).
   *
   * @returns How many were held.
   */
  flushLocks(): Promise<number>;

  /**
   * Takes a lease that only one client of this queue can hold until it
   * expires: the consumer takes `periodic:<minute>` before enqueueing that
   * minute's periodic commands, so several consumers enqueue them once.
   *
   * @param key - What the lease is for.
   * @param ttlMs - How long it is held; it is never released early.
   * @returns `true` for the one caller that got it, `false` for every other.
   */
  lease(key: string, ttlMs: number): Promise<boolean>;
}

/** `true` when `queue` keeps {@link Locks} itself. */
export const keepsLocks = (queue: BaseQueue): queue is BaseQueue & Locks => typeof (queue as Partial<Locks>).renewLock === 'function';
