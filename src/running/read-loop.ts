/**
 * The consumer's read loop: it keeps `THREADS` slots busy, taking due
 * calls from the schedule first and then messages from the queue, as many
 * as there are free slots, in one claim when the queue has `readMany`.
 * Each message taken is handed to its {@link Fate} in a slot of its own.
 *
 * @internal
 * @module
 */
import { canFinishAndRead, canReadMany } from '../backends/fast-path.js';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import type { BaseQueue } from '../backends/base.js';
import type { Fate, Origin, Slot } from './fate.js';
import type { Logger } from './logger.js';
import type { Schedule } from './schedule.js';

/** How often the schedule's next eta is re-read, to see calls other consumers scheduled, in ms. */
const SCHEDULE_REFRESH_MS = 1000;

/** What the loop needs of the consumer. */
export interface ReadLoopContext {
  readonly queue: BaseQueue;
  readonly schedule: Schedule;
  readonly fate: Fate;
  readonly log: Logger;
  readonly clock: () => Date;
  /** How many calls run at once. */
  readonly threads: number;
  /** How long one blocking read may wait, in ms: the loop looks around (schedule, stop) at least this often. */
  readonly readTimeoutMs: number;
  /** Polling of a non-blocking queue: first delay and longest delay in ms, and the growth factor. */
  readonly polling: { initialMs: number; maxMs: number; backoff: number };
}

/**
 * Reads until stopped. The slot of a call is freed as soon as the call has
 * run, while its result is stored and its message acknowledged, so the
 * next read overlaps that bookkeeping; at most `threads` calls are in
 * bookkeeping at once. While the loop has no free slot, on a queue with
 * `finishAndRead`, the slot is instead refilled by the call's finish: one
 * step stores the result, acknowledges the message and takes the next.
 */
export class ReadLoop {
  readonly #ctx: ReadLoopContext;
  readonly #stopped = new AbortController();
  #free: number;
  /** Calls that have run and are still in bookkeeping, holding no slot. */
  #finishing = 0;
  #inFlight = new Set<Promise<void>>();
  /** Those of {@link inFlight} whose call has run: only their bookkeeping is left. */
  #settling = new Set<Promise<void>>();
  #wake: (() => void) | undefined;
  #nextEta: number | null = null;
  #nextEtaReadAt = -Infinity;
  #done: Promise<void> | undefined;

  constructor(context: ReadLoopContext) {
    this.#ctx = context;
    this.#free = context.threads;
  }

  /** The messages whose fate is being carried out now. */
  get inFlight(): ReadonlySet<Promise<void>> {
    return this.#inFlight;
  }

  /** The messages whose call has run and whose outcome is being stored or acknowledged. */
  get settling(): ReadonlySet<Promise<void>> {
    return this.#settling;
  }

  /** Starts reading; {@link stop} ends it. */
  start(): void {
    this.#done ??= this.#run();
  }

  /** Stops taking messages; resolves once the loop has left (calls in flight go on). */
  async stop(): Promise<void> {
    this.#stopped.abort();
    this.#wake?.();
    await this.#done;
  }

  /**
   * Waits for the messages in flight, for up to `timeoutMs` or until
   * `hurry` aborts.
   *
   * @returns `true` once nothing is in flight; `false` when the wait ended first.
   */
  async drain(timeoutMs: number, hurry?: AbortSignal): Promise<boolean> {
    const pending = [...this.#inFlight];
    if (pending.length === 0) return true;
    this.#ctx.log.info(`waiting for ${pending.length} calls in flight`);
    const wait = new AbortController();
    const stopWaiting = (): void => wait.abort();
    if (hurry?.aborted) stopWaiting();
    hurry?.addEventListener('abort', stopWaiting, { once: true });
    const waited = sleep(timeoutMs, false, { signal: wait.signal }).catch(() => false);
    const settled = await Promise.race([this.#allSettled(), waited]);
    wait.abort();
    hurry?.removeEventListener('abort', stopWaiting);
    return settled;
  }

  /** Resolves once nothing is in flight: a message a finish took while the loop stopped is carried out too. */
  async #allSettled(): Promise<true> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    return true;
  }

  /** A call was put into the schedule: the loop wakes for it if it is the earliest. */
  scheduled(eta: Date): void {
    if (this.#nextEta === null || eta.getTime() < this.#nextEta) this.#nextEta = eta.getTime();
  }

  /** Re-reads the schedule's earliest eta. */
  async refreshNextEta(): Promise<void> {
    const next = await this.#ctx.schedule.nextEta();
    this.#nextEta = next === null ? null : next.getTime();
    this.#nextEtaReadAt = this.#ctx.clock().getTime();
  }

  async #run(): Promise<void> {
    const { queue, log, polling } = this.#ctx;
    const signal = this.#stopped.signal;
    let delay = polling.initialMs;
    while (!signal.aborted) {
      if (this.#free === 0) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      try {
        let now = this.#ctx.clock().getTime();
        if (this.#scheduleDue(now)) {
          if (await this.#takeDue(now)) continue;
          now = this.#ctx.clock().getTime();
        }
        const untilEta = this.#nextEta === null ? Infinity : Math.max(1, this.#nextEta - now);
        const taken = await this.#take('queue', (count) => this.#read(count, queue.blocking ? Math.min(this.#ctx.readTimeoutMs, untilEta) : 0));
        if (taken > 0) {
          delay = polling.initialMs;
          // slots are left, so the next read may wait: let the calls just taken start before it is sent
          if (this.#free > 0) await setImmediate();
        } else if (!queue.blocking) {
          const wait = Math.min(delay, untilEta);
          if (log.enabled('debug')) log.debug(`queue "${queue.name}" is empty: polling again in ${Math.round(wait)} ms`);
          await this.#pause(wait);
          delay = Math.min(delay * polling.backoff, polling.maxMs);
        }
      } catch (error) {
        log.error(`error reading from queue "${queue.name}": ${(error as Error).message}`);
        await this.#pause(delay);
        delay = Math.min(delay * polling.backoff, polling.maxMs);
      }
    }
  }

  /** Whether the schedule is to be looked at: its earliest eta has come, or it is time to re-read it. */
  #scheduleDue(now: number): boolean {
    return now - this.#nextEtaReadAt >= SCHEDULE_REFRESH_MS || (this.#nextEta !== null && this.#nextEta <= now);
  }

  /** Takes due scheduled calls into free slots; `true` when it took any. */
  async #takeDue(now: number): Promise<boolean> {
    if (now - this.#nextEtaReadAt >= SCHEDULE_REFRESH_MS) await this.refreshNextEta();
    if (this.#nextEta === null || this.#nextEta > now) return false;
    const taken = await this.#take('schedule', (count) => this.#ctx.schedule.due(new Date(now), count));
    await this.refreshNextEta();
    return taken > 0;
  }

  /** Reserves every free slot, takes up to that many messages, dispatches them and frees the slots left over. */
  async #take(origin: Origin, take: (count: number) => Promise<string[]>): Promise<number> {
    const slots = this.#free;
    this.#free -= slots;
    let batch: string[] = [];
    try {
      batch = await take(slots);
    } finally {
      this.#free += slots - batch.length;
    }
    for (const data of batch) this.#dispatch(data, origin);
    return batch.length;
  }

  /** Takes up to `count` messages: in one claim when the queue has `readMany`. */
  async #read(count: number, timeoutMs: number): Promise<string[]> {
    const queue = this.#ctx.queue;
    if (canReadMany(queue)) return queue.readMany(count, timeoutMs);
    const data = await queue.read(timeoutMs);
    return data === null ? [] : [data];
  }

  /**
   * Carries out one message's fate in a slot already reserved for it. When
   * no slot is free for the loop (every one busy, or held by a read that
   * waits) and the queue can, the slot is not freed once the call has run
   * but refilled by its finish, which takes the next message in the same
   * step; otherwise it is freed then, for the next read to overlap the
   * bookkeeping.
   */
  #dispatch(data: string, origin: Origin): void {
    let released = false;
    let early = false;
    let kept = false;
    let next: string[] = [];
    const release = (ran: boolean): void => {
      if (released || (ran && this.#finishing >= this.#ctx.threads)) return;
      released = true;
      early = ran;
      if (early) this.#finishing++;
      this.#free++;
      this.#wake?.();
    };
    const slot: Slot = {
      ran: () => {
        this.#settling.add(handled);
        kept = origin === 'queue' && this.#free === 0 && canFinishAndRead(this.#ctx.queue);
        if (!kept) release(true);
      },
      wanted: () => (kept && !this.#stopped.signal.aborted && !this.#scheduleDue(this.#ctx.clock().getTime()) ? 1 : 0),
      refill: (messages) => void (next = messages),
    };
    const handled: Promise<void> = this.#ctx.fate
      .handle(data, origin, slot)
      .catch((error: unknown) => this.#ctx.log.error(`unexpected error handling a message: ${(error as Error).stack ?? String(error)}`))
      .finally(() => {
        this.#inFlight.delete(handled);
        this.#settling.delete(handled);
        if (early) this.#finishing--;
        const [refill] = next;
        // the slot passes to the message its finish took (one at most: wanted() asks for one)
        if (refill !== undefined && !released) this.#dispatch(refill, 'queue');
        else release(false);
      });
    this.#inFlight.add(handled);
  }

  /** Waits `ms`, or less when the loop is stopped or a slot frees. */
  async #pause(ms: number): Promise<void> {
    const pause = new AbortController();
    this.#wake = () => pause.abort();
    await sleep(ms, undefined, { signal: AbortSignal.any([pause.signal, this.#stopped.signal]) }).catch(() => {});
  }
}
