/**
 * Periodic runs: at each minute boundary the consumer enqueues every
 * periodic command whose crontab accepts the minute, once per minute, and
 * with a backend `lease` only one consumer of the queue does it.
 *
 * @internal
 * @module
 */
import { locksOf } from '../controls/locks.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeriodicQueueCommand } from '../core/command.js';
import type { Invoker } from '../invoker/invoker.js';
import type { Logger } from './logger.js';

/** How long a periodic minute's lease is held: long enough that no consumer's late timer takes it again. */
const PERIODIC_LEASE_MS = 5 * 60_000;
const MINUTE_MS = 60_000;

/** Enqueues the periodic commands of each minute. */
export class Periodic {
  readonly #invoker: Invoker;
  readonly #log: Logger;
  readonly #clock: () => Date;
  readonly #utc: boolean;
  #lastMinute = -Infinity;

  constructor(invoker: Invoker, log: Logger, clock: () => Date, utc: boolean) {
    this.#invoker = invoker;
    this.#log = log;
    this.#clock = clock;
    this.#utc = utc;
  }

  /** Whether the minute of `now` has not been enqueued yet. */
  isDue(now: Date): boolean {
    return Math.floor(now.getTime() / MINUTE_MS) > this.#lastMinute;
  }

  /**
   * Enqueues the periodic commands of the minute of `minute`, once: a
   * second call for the same or an earlier minute does nothing.
   *
   * @returns The names of the commands enqueued.
   */
  async enqueue(minute: Date): Promise<string[]> {
    const index = Math.floor(minute.getTime() / MINUTE_MS);
    if (index <= this.#lastMinute) return [];
    this.#lastMinute = index;
    const start = new Date(index * MINUTE_MS);
    const { queue, events } = this.#invoker;
    const leases = locksOf(queue); // without, each consumer enqueues the minute's calls alone
    if (leases !== undefined && !(await leases.lease(`periodic:${start.toISOString()}`, PERIODIC_LEASE_MS))) return [];
    const enqueued: string[] = [];
    for (const definition of this.#invoker.registry.commands()) {
      if (!definition.validator?.(start, { utc: this.#utc })) continue;
      try {
        const command = new PeriodicQueueCommand(definition, []);
        await this.#invoker.enqueue(command);
        enqueued.push(definition.name);
        if (events.listenerCount('periodicEnqueued') > 0) events.emit('periodicEnqueued', { taskId: command.taskId, command: command.name, minute: start });
      } catch (error) {
        this.#log.error(`could not enqueue periodic ${definition.name}: ${(error as Error).message}`);
      }
    }
    if (enqueued.length > 0) this.#log.info(`enqueued periodic commands for ${start.toISOString()}: ${enqueued.join(', ')}`);
    return enqueued;
  }

  /**
   * Enqueues each minute at its boundary until `signal` is aborted. A timer
   * can fire a little early or late: each minute passed since the last
   * boundary is enqueued once.
   */
  async every(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const now = this.#clock().getTime();
      const boundary = (Math.floor(now / MINUTE_MS) + 1) * MINUTE_MS;
      try {
        await sleep(boundary - now, undefined, { signal });
      } catch {
        return; // stopped
      }
      const last = Math.max(boundary, Math.floor(this.#clock().getTime() / MINUTE_MS) * MINUTE_MS);
      for (let minute = boundary; minute <= last; minute += MINUTE_MS) await this.enqueue(new Date(minute));
    }
  }
}
