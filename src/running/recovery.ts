/**
 * Recovery of dead consumers' messages: at start and every few seconds, the
 * queue's `recover` puts the messages claimed by consumers that died back
 * in the queue.
 *
 * @internal
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Invoker } from '../invoker/invoker.js';
import type { Logger } from './logger.js';

/** How often dead consumers' messages are recovered, in ms. */
const RECOVER_INTERVAL_MS = 5000;

/** Recovers once; a failure is logged, never thrown: the next round tries again. */
export async function recoverOnce(invoker: Invoker, log: Logger): Promise<void> {
  try {
    const count = await invoker.queue.recover!();
    if (count > 0) log.info(`recovered ${count} messages of dead consumers`);
    if (count > 0 && invoker.events.listenerCount('recovered') > 0) invoker.events.emit('recovered', { count });
  } catch (error) {
    log.error(`could not recover messages: ${(error as Error).message}`);
  }
}

/** Recovers every few seconds until `signal` is aborted. */
export async function recoverEvery(invoker: Invoker, log: Logger, signal: AbortSignal): Promise<void> {
  for (;;) {
    try {
      await sleep(RECOVER_INTERVAL_MS, undefined, { signal });
    } catch {
      return; // stopped
    }
    await recoverOnce(invoker, log);
  }
}
