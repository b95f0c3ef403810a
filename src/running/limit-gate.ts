/**
 * The consumer's check of a command's limits before its call starts
 * (`rateLimit`, `concurrency`: `controls/limits.ts` keeps them). A call of
 * a command without limits passes at once, with no I/O. A call over a
 * limit is told when to look again; the fate puts it in the schedule until
 * then, so it holds no slot of the consumer and nothing waits behind it.
 *
 * When to look again: for a rate limit, exactly when the earliest start of
 * the window leaves it; for concurrency, when the earliest holder is
 * expected to end (its start plus the command's usual duration, as this
 * consumer has seen it), at most {@link MAX_WAIT_MS} later, so a slot
 * freed early by another consumer is found within that.
 *
 * @internal
 * @module
 */
import type { QueueCommand } from '../core/command.js';
import { limitsOf, SLOT_LEASE, type CommandLimits, type HeldSlot, type StoredLimits } from '../controls/limits.js';
import type { BaseQueue } from '../backends/base.js';
import type { HueyEvents, TypedEmitter } from '../observe/events.js';
import type { Logger } from './logger.js';

/** The soonest a waiting call looks again, in ms: a holder is not expected back sooner. */
const MIN_WAIT_MS = 10;
/** The latest a call waiting for concurrency looks again, in ms. */
const MAX_WAIT_MS = 1000;
/** The duration guessed for a command this consumer has not yet seen run, in ms. */
const UNSEEN_DURATION_MS = 100;
/** After how long without looking a waiting call is taken for gone from this consumer's line, in ms. */
const FORGET_WAITER_MS = 3 * MAX_WAIT_MS;
/** How often a described command is described again, in ms (its description lives a day). */
const DESCRIBE_EVERY_MS = 3600 * 1000;

/** A call may start; `release` ends its share of the concurrency limit once it has run (it never throws). */
export interface Admitted {
  readonly until: null;
  release(): Promise<void>;
}

/** A call over a limit: it waits until `until`, for `reason`. */
export interface Waiting {
  readonly until: Date;
  /** `waiting for its rate limit (5 per 1 s)`, `waiting for its concurrency (2 running)`. */
  readonly reason: string;
}

/** The check's answer. */
export type Admission = Admitted | Waiting;

/** The admission of every call of a command without limits: nothing to give back. */
const FREE: Admitted = { until: null, release: () => Promise.resolve() };

/** Checks the limits of each call before it starts, and gives back its concurrency slot after. */
export class LimitGate {
  readonly #limits: StoredLimits | undefined;
  readonly #log: Logger;
  readonly #events: TypedEmitter<HueyEvents>;
  readonly #leaseMs: number;
  /** The usual duration of each command's calls run here, in ms (a moving average). */
  readonly #durations = new Map<string, number>();
  readonly #described = new Map<string, number>();
  /** The calls of each command waiting here for concurrency, in the order they first waited, with when each last looked. */
  readonly #queued = new Map<string, Map<string, number>>();

  /**
   * @param queue - The queue whose control store keeps the limits.
   * @param log - Where a lost or unreleased slot is told.
   * @param events - Where a call that waits is told (`waiting`), for the trace and `huey web`.
   * @param leaseMs - How long a concurrency slot is held without a renewal.
   */
  constructor(queue: BaseQueue, log: Logger, events: TypedEmitter<HueyEvents>, leaseMs = SLOT_LEASE * 1000) {
    this.#limits = limitsOf(queue);
    this.#log = log;
    this.#events = events;
    this.#leaseMs = leaseMs;
  }

  /**
   * Takes the call's share of its command's limits at `now`: a concurrency
   * slot, then a start of the rate limit (a slot taken is given back when
   * the rate limit says wait, so a wait costs no share of the other).
   */
  async admit(command: QueueCommand, now: Date): Promise<Admission> {
    const { rateLimit, concurrency } = command.definition;
    if ((rateLimit === undefined && concurrency === undefined) || this.#limits === undefined) return FREE;
    const admission = await this.#take(command, this.#limits, now);
    if (admission.until !== null) {
      if (this.#log.enabled('debug')) this.#log.debug(`${command.name} ${command.taskId} ${admission.reason}, until ${admission.until.toISOString()}`);
      if (this.#events.listenerCount('waiting') > 0) this.#events.emit('waiting', { taskId: command.taskId, command: command.name, reason: admission.reason, until: admission.until });
    }
    return admission;
  }

  async #take(command: QueueCommand, limits: StoredLimits, now: Date): Promise<Admission> {
    const { name, rateLimit, concurrency } = command.definition;
    await this.#describe(name, { ...(rateLimit ? { rateLimit } : {}), ...(concurrency ? { concurrency } : {}) }, now.getTime());
    let slot: HeldSlot | undefined;
    if (concurrency !== undefined) {
      const taken = await limits.takeSlot(name, concurrency, this.#leaseMs, now.getTime());
      if (Array.isArray(taken)) return { until: this.#slotFrees(command, taken.map((h) => h.since), now.getTime()), reason: `waiting for its concurrency (${concurrency} running)` };
      this.#queued.get(name)?.delete(command.taskId);
      slot = taken;
    }
    if (rateLimit !== undefined) {
      const freeAt = await limits.takeStart(name, rateLimit, now.getTime());
      if (freeAt !== null) {
        if (slot !== undefined) await limits.releaseSlot(slot);
        return { until: new Date(Math.max(freeAt, now.getTime() + 1)), reason: `waiting for its rate limit (${rateLimit.calls} per ${rateLimit.per} s)` };
      }
    }
    return slot === undefined ? FREE : this.#holding(name, limits, slot);
  }

  /** The admission of a call holding `slot`: the lease is renewed while it runs, and the slot given back after. */
  #holding(command: string, limits: StoredLimits, slot: HeldSlot): Admitted {
    const started = performance.now();
    let renewing: Promise<unknown> = Promise.resolve();
    const renew = (): void => {
      renewing = limits.renewSlot(slot, this.#leaseMs).then(
        (held) => held || this.#log.warn(`${command} lost its concurrency slot (its lease ran out): another call may run beside it`),
        // a renewal that fails is tried again at the next tick
        () => {},
      );
    };
    const timer = setInterval(renew, Math.max(1, Math.floor(this.#leaseMs / 3)));
    timer.unref();
    return {
      until: null,
      release: async () => {
        clearInterval(timer);
        await renewing; // a renewal in flight would put the slot back after its release, held by nobody until its lease ends
        const took = performance.now() - started;
        const usual = this.#durations.get(command);
        this.#durations.set(command, usual === undefined ? took : usual * 0.7 + took * 0.3);
        await limits.releaseSlot(slot).catch((error: unknown) => {
          this.#log.warn(`could not give back the concurrency slot of ${command} (${(error as Error).message}): it frees when its lease runs out`);
        });
      },
    };
  }

  /** When a slot of `command` is expected to free, from when its holders took them. */
  /**
   * When a slot is expected to free for this call. The calls of a command
   * waiting here are lined up in the order they first waited, and the
   * r-th is given the r-th slot expected to free (a slot frees every usual
   * duration), so that each freed slot wakes about one of them, not all.
   */
  #slotFrees(command: QueueCommand, since: number[], now: number): Date {
    const usual = this.#durations.get(command.name) ?? UNSEEN_DURATION_MS;
    const line = this.#queued.get(command.name) ?? new Map<string, number>();
    this.#queued.set(command.name, line);
    for (const [id, seen] of line) if (now - seen > FORGET_WAITER_MS) line.delete(id); // taken by another consumer, or gone
    line.set(command.taskId, now);
    const rank = [...line.keys()].indexOf(command.taskId);
    const ends = since.map((start) => start + usual).sort((a, b) => a - b);
    const expected = ends.length === 0 ? now : ends[rank % ends.length]! + Math.floor(rank / ends.length) * usual;
    return new Date(Math.min(Math.max(expected, now + MIN_WAIT_MS), now + MAX_WAIT_MS));
  }

  /** Tells `huey info` the command's limits: once a process, again every hour. */
  async #describe(command: string, limits: CommandLimits, now: number): Promise<void> {
    const last = this.#described.get(command);
    if (last !== undefined && now - last < DESCRIBE_EVERY_MS) return;
    this.#described.set(command, now);
    await this.#limits!.describe(command, limits);
  }
}
