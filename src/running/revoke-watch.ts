/**
 * A revoke reaches a running call: while calls run, the consumer asks the
 * queue's revocations every {@link WATCH_MS} whether one of them, or its
 * command, was revoked, and aborts its signal with a `TaskRevokedError`.
 * Polling the one list of revocations needs nothing of a backend beyond
 * the revocations it already keeps, so it works the same on memory, files
 * and Redis, across processes; it costs one question a half second, and
 * only while something runs.
 *
 * @internal
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BaseQueue } from '../backends/base.js';
import { commandKey, taskKey } from '../backends/revocations.js';
import { revocationsOf } from '../controls/revocations.js';
import { TaskRevokedError } from '../exceptions.js';
import type { Fate } from './fate.js';
import type { Logger } from './logger.js';

/** How often the revocations are asked while calls run: a revoke stops a running call within about this. */
export const WATCH_MS = 500;

/** Watches until `signal` aborts. */
export async function watchRevocations(queue: BaseQueue, fate: Fate, log: Logger, signal: AbortSignal): Promise<void> {
  const revocations = revocationsOf(queue);
  if (revocations === undefined) return;
  let warned = false;
  while (!signal.aborted) {
    await sleep(WATCH_MS, undefined, { signal }).catch(() => undefined);
    if (signal.aborted || fate.running.size === 0) continue;
    try {
      const inForce = new Set((await revocations.revocations(new Date())).map((entry) => entry.key));
      if (inForce.size === 0) continue;
      for (const { command, call } of fate.running.values()) {
        const what = inForce.has(taskKey(command.taskId)) ? `${command.name} ${command.taskId} was revoked` : inForce.has(commandKey(command.name)) ? `${command.name} is revoked` : undefined;
        if (what !== undefined && call.reason === undefined) call.abort(new TaskRevokedError(`${what} while it ran`));
      }
      warned = false;
    } catch (error) {
      // the backend is away: the next look tries again, one warning until it answers
      if (!warned) log.warn(`could not look for revocations of running calls: ${(error as Error).message}`);
      warned = true;
    }
  }
}
