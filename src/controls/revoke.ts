/**
 * Revoking and restoring calls, as in huey 3: a revoked call is not run
 * when a consumer reads it. A revocation names one call (its task id) or a
 * whole command; it may end by itself (`until`) or skip one call only
 * (`once`). Revocations live in the queue's backend, so every consumer on
 * it sees them, and they survive a consumer's restart.
 *
 * @module
 */
import type { BaseQueue } from '../backends/base.js';
import type { Revocation } from '../backends/revocations.js';
import { requireRevocations } from './revocations.js';
import * as check from '../core/validate.js';

/** Options of `revoke()`: of a queued function, a call's handle, or `invoker.revokeById`. */
export interface RevokeOptions {
  /** The revocation ends at this instant; without it, it lasts until `restore()`. */
  until?: Date;
  /** Skip the next call only; the consumer that skips it takes the revocation away. @defaultValue `false` */
  once?: boolean;
}

export { commandKey, taskKey } from '../backends/revocations.js';

/** Checks the options of `revoke()` and turns them into what the backend keeps. */
export function revocation(options: RevokeOptions = {}): Revocation {
  check.knownKeys('revoke()', options, ['until', 'once']);
  const until = options.until === undefined ? null : check.date('until', options.until);
  if (options.once !== undefined && typeof options.once !== 'boolean') check.expected('once', 'a boolean', options.once);
  return { until, once: options.once ?? false };
}

/**
 * Revokes what `key` names.
 *
 * @throws ConfigurationError for bad options or a queue that keeps no revocations.
 */
export async function revoke(queue: BaseQueue, key: string, options?: RevokeOptions): Promise<void> {
  const kept = revocation(options);
  await requireRevocations(queue).revoke(key, kept);
}

/** Ends the revocation of what `key` names; `true` when there was one. */
export async function restore(queue: BaseQueue, key: string): Promise<boolean> {
  return requireRevocations(queue).restore(key);
}

/** Tells whether what `key` names is revoked now, without taking a `once` revocation away. */
export async function isRevoked(queue: BaseQueue, key: string): Promise<boolean> {
  return (await requireRevocations(queue).revocations(new Date())).some((entry) => entry.key === key);
}
