/**
 * Revocations as a backend may keep them itself, faster than the generic
 * ones of `controls/revocations.ts` (which keep them in the queue's
 * control store with `peek`, `get` and `keys`). The Redis backend does: one
 * script answers whether a call is revoked, and a call read while nothing
 * is revoked needs no question at all.
 *
 * @module
 */
import type { BaseQueue } from './base.js';

/** A revocation: of one call (`task:<id>`) or of a command (`command:<name>`). */
export interface Revocation {
  /** When the revocation ends by itself; `null` for never. */
  until: Date | null;
  /** `true` when it skips one call only: the first consumer to find it takes it away. */
  once: boolean;
}

/** A revocation in force, with what it revokes. */
export interface RevocationEntry extends Revocation {
  /** What is revoked: `task:<id>` or `command:<name>`. */
  key: string;
}

/** What a revoked call is known by. */
export const taskKey = (taskId: string): string => `task:${taskId}`;
/** What a revoked command is known by. */
export const commandKey = (name: string): string => `command:${name}`;

/** Revocations kept by the backend itself. */
export interface Revocations {
  /**
   * Keeps a revocation, replacing one under the same key. Every client of
   * the queue (every consumer) sees it, and it survives their restarts.
   *
   * @param key - What is revoked: `task:<id>` or `command:<name>`.
   * @param revocation - Until when, and whether it skips one call only.
   */
  revoke(key: string, revocation: Revocation): Promise<void>;

  /**
   * Removes a revocation.
   *
   * @returns `true` when there was one in force.
   */
  restore(key: string): Promise<boolean>;

  /**
   * What a consumer asks of a call it read: the first of `keys` revoked at
   * `now`. A `once` revocation found is taken away in the same step (of
   * several consumers asking at once, one finds it); one whose `until` has
   * passed counts as absent. This is on every call's path.
   *
   * @param keys - The call's keys, `task:<id>` then `command:<name>`.
   * @param now - The instant to judge `until` by.
   * @returns The key found revoked, or `null`.
   */
  revoked(keys: string[], now: Date): Promise<string | null>;

  /** The revocations in force at `now`, without taking any. */
  revocations(now: Date): Promise<RevocationEntry[]>;
}

/** `true` when `queue` keeps {@link Revocations} itself. */
export const keepsRevocations = (queue: BaseQueue): queue is BaseQueue & Revocations => typeof (queue as Partial<Revocations>).revoked === 'function';
