/**
 * Why a call that was read is not run: it expired, or it (or its command)
 * is revoked. Asked once per call when it is read, by the consumer and by
 * `alwaysEager`; free when the call has no expiry and nothing is revoked.
 *
 * @internal
 * @module
 */
import type { BaseQueue } from '../backends/base.js';
import type { Message } from '../core/message.js';
import { commandKey, taskKey } from '../backends/revocations.js';
import { revocationsOf } from './revocations.js';

/** A call that is not run: the event it makes, and why, in words. */
export interface Skip {
  /** The event emitted and traced: `revoked` or `expired`. */
  event: 'revoked' | 'expired';
  /** The sentence the call's handle rejects with, e.g. `commands.report 1f0c… was revoked`. */
  reason: string;
}

/** The class name a skipped call's `TaskException` reports as the remote error's. */
export const SKIP_ERROR_NAME = { revoked: 'TaskRevoked', expired: 'TaskExpired' } as const;

/**
 * Decides whether a call read at `now` is skipped. Expiry is judged first:
 * an expired call does not use up a `once` revocation.
 *
 * @param queue - The queue it was read from, which keeps the revocations.
 * @param message - The call, decoded.
 * @param now - When it was read.
 * @returns Why it is skipped, or `null` to run it.
 */
export async function whySkip(queue: BaseQueue, message: Pick<Message, 'id' | 'command' | 'expires'>, now: Date): Promise<Skip | null> {
  if (message.expires != null && message.expires.getTime() <= now.getTime()) {
    return { event: 'expired', reason: `${message.command} ${message.id} expired at ${message.expires.toISOString()} and was not run` };
  }
  const revocations = revocationsOf(queue);
  if (revocations === undefined) return null; // nothing can be revoked on it
  const key = await revocations.revoked([taskKey(message.id), commandKey(message.command)], now);
  if (key === null) return null;
  const what = key.startsWith('task:') ? `${message.command} ${message.id} was revoked` : `${message.command} is revoked`;
  return { event: 'revoked', reason: `${what} and was not run` };
}
