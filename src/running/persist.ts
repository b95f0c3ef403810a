/**
 * Bookkeeping that must not be given up lightly: storing a result,
 * acknowledging, dead-lettering. A call that returned is never run again
 * because one of these failed, so each is tried again with backoff, the
 * message kept claimed, until it succeeds or the consumer gives up at
 * shutdown.
 *
 * @internal
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logger.js';

/** The first wait after a failed step, in ms. */
const FIRST_DELAY_MS = 100;

/** Thrown by {@link persist} when `signal` ended the tries: the step is still not done. */
export class GaveUp extends Error {
  /** The last failure of the step. */
  readonly last: unknown;

  constructor(what: string, last: unknown) {
    super(`gave up ${what}: ${(last as Error | undefined)?.message ?? 'stopped'}`);
    this.last = last;
  }
}

/**
 * Runs `step` until it succeeds, waiting 0.1 s, 0.2 s, ... up to
 * `maxDelayMs` between tries, and logging each failure.
 *
 * @param what - The step, for the log: `storing the result of commands.charge 1f2e…`.
 * @param step - The step; it may run several times, so it must be safe to repeat.
 * @param options - The log, the longest wait, and the signal that ends the tries.
 * @returns What `step` returned once it succeeded.
 * @throws GaveUp when `signal` is aborted before a try succeeded.
 */
export async function persist<T>(what: string, step: () => Promise<T>, options: { log: Logger; maxDelayMs: number; signal: AbortSignal }): Promise<T> {
  let delay = FIRST_DELAY_MS;
  for (;;) {
    let failure: unknown;
    try {
      return await step();
    } catch (error) {
      failure = error;
    }
    if (options.signal.aborted) throw new GaveUp(what, failure);
    options.log.error(`${what} failed, trying again in ${(delay / 1000).toFixed(1)} s: ${(failure as Error).message}`);
    try {
      await sleep(delay, undefined, { signal: options.signal });
    } catch {
      throw new GaveUp(what, failure);
    }
    delay = Math.min(delay * 2, options.maxDelayMs);
  }
}
