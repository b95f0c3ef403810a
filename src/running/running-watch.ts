/**
 * What a running call must learn from elsewhere: while calls run, the
 * consumer asks the queue every {@link WATCH_MS} whether one of them, or
 * its command, was revoked (its signal aborts with a `TaskRevokedError`),
 * and whether its claim is still this consumer's: a consumer taken for
 * dead (a long pause, a lost connection) may see another recover its
 * calls, which then run there (`ClaimLostError`). Polling needs nothing of
 * a backend beyond its revocations and its inspection, so it works the
 * same on memory, files and Redis, across processes; it costs a question
 * or two a half second, and only while something runs.
 *
 * @internal
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BaseQueue } from '../backends/base.js';
import { canInspect } from '../backends/inspection.js';
import { commandKey, taskKey, type Revocations } from '../backends/revocations.js';
import { revocationsOf } from '../controls/revocations.js';
import { ClaimLostError, TaskRevokedError } from '../exceptions.js';
import type { Fate } from './fate.js';
import type { Logger } from './logger.js';

/** How often the revocations are asked while calls run: a revoke stops a running call within about this. */
export const WATCH_MS = 500;

/** Watches until `signal` aborts. */
export async function watchRunning(queue: BaseQueue, fate: Fate, log: Logger, signal: AbortSignal): Promise<void> {
  const revocations = revocationsOf(queue);
  let warned = false;
  while (!signal.aborted) {
    await sleep(WATCH_MS, undefined, { signal }).catch(() => undefined);
    if (signal.aborted || fate.running.size === 0) continue;
    try {
      await stopRevoked(revocations, fate);
      await stopRecovered(queue, fate);
      warned = false;
    } catch (error) {
      // the backend is away: the next look tries again, one warning until it answers
      if (!warned) log.warn(`could not look at the running calls' revocations and claims: ${(error as Error).message}`);
      warned = true;
    }
  }
}

/** Stops the running calls revoked, or whose command is. */
async function stopRevoked(revocations: Revocations | undefined, fate: Fate): Promise<void> {
  if (revocations === undefined) return;
  const inForce = new Set((await revocations.revocations(new Date())).map((entry) => entry.key));
  if (inForce.size === 0) return;
  for (const { command, call } of fate.running.values()) {
    const what = inForce.has(taskKey(command.taskId)) ? `${command.name} ${command.taskId} was revoked` : inForce.has(commandKey(command.name)) ? `${command.name} is revoked` : undefined;
    if (what !== undefined && call.reason === undefined) call.abort(new TaskRevokedError(`${what} while it ran`));
  }
}

/** Stops the running calls whose claim is no longer this consumer's: another recovered them. */
async function stopRecovered(queue: BaseQueue, fate: Fate): Promise<void> {
  if (!canInspect(queue) || queue.consumerId === undefined) return;
  const mine = new Set((await queue.claims()).filter((claim) => claim.consumer === queue.consumerId).map((claim) => claim.data));
  for (const [data, { command, call }] of fate.running) {
    if (!mine.has(data) && call.reason === undefined) call.abort(new ClaimLostError(`${command.name} ${command.taskId} was recovered by another consumer while it ran here`));
  }
}
