/**
 * One message's fate, decided in one place. A message read from the queue
 * (or taken from the schedule) goes through these phases, in order:
 *
 * 1. **vet**: decode it and find its command (importing the command's
 *    module once, when allowed). A message that cannot be run — a bad
 *    shape, a bad id, an unknown or forbidden name — is dead-lettered at
 *    once, unrun.
 * 2. **hold** a call whose eta is ahead: it goes into the schedule.
 * 3. **skip** a call that expired, or that is revoked (it or its command):
 *    it is not run; its outcome says why, so its handle rejects at once. A
 *    call over a limit of its command **waits** in the schedule (`limit-gate.ts`).
 * 4. **run** the call, holding its command's lock when it has one.
 * 5. **continue** its pipeline, when it is a step of one: the next step is
 *    enqueued with its result, or, after a final failure, the later steps
 *    are marked as never to run and the error step is enqueued.
 * 6. **settle**: store its outcome, then acknowledge its message (one step
 *    with the queue's `finish`); or, for a failure with retries left,
 *    enqueue the retry, then acknowledge.
 *
 * A call that returned is never run again because a later phase failed: the
 * bookkeeping is tried again with backoff ({@link persist}), the message
 * kept claimed, until it succeeds or the consumer gives up at shutdown.
 *
 * @internal
 * @module
 */
import { EmptyData, type BaseQueue } from '../backends/base.js';
import { countsDeliveries } from '../backends/deliveries.js';
import { canFinish, canFinishAndRead } from '../backends/fast-path.js';
import type { QueueCommand } from '../core/command.js';
import { namesOf, type Outcome } from '../core/message.js';
import { failure, outcomeToStore, type StoredOutcome } from '../core/outcome.js';
import { printable } from '../core/printable.js';
import { retryOf } from '../core/retry.js';
import { deadLetterAnswer, deadLettersOf } from '../controls/dead-letters.js';
import { countDelivery, forgetDeliveries } from '../controls/deliveries.js';
import { whyNotRun } from '../controls/known-commands.js';
import { TaskLock } from '../controls/lock.js';
import { SKIP_ERROR_NAME, whySkip, type Skip } from '../controls/skip.js';
import { ClaimLostError, QueueException, ShutdownError, TaskRevokedError, TimeoutError } from '../exceptions.js';
import type { Invoker } from '../invoker/invoker.js';
import { RunningCall } from './call.js';
import type { Logger } from './logger.js';
import { errorLine, logFailure, logThrown } from './failure-log.js';
import { GaveUp, persist } from './persist.js';
import { continuePipeline, stopPipeline } from './pipeline-fate.js';
import type { Schedule } from './schedule.js';
import type { Executor } from './workers.js';
import type { LimitGate } from './limit-gate.js';

/** Where a message came from: read from the queue, or taken from the schedule once due. */
export type Origin = 'queue' | 'schedule';

/** The read loop's slot a message is carried out in, and what the fate tells it. */
export interface Slot {
  /** The call has run (or will not run), before its bookkeeping: the slot may be freed early. */
  ran(): void;
  /** How many messages the finish may take for this slot (0 or 1): the slot is then refilled in the same step. */
  wanted(): number;
  /** Hands the loop the messages the finish took, to carry out in this slot. */
  refill(messages: string[]): void;
}

/** A slot that is neither freed early nor refilled: one message, stepped by hand. */
const LONE_SLOT: Slot = { ran: () => {}, wanted: () => 0, refill: () => {} };

/** What the phases need of the consumer. */
export interface FateContext {
  readonly invoker: Invoker;
  readonly log: Logger;
  readonly clock: () => Date;
  readonly executor: Executor;
  readonly schedule: Schedule;
  /** The package root unknown commands' modules may be imported from; none: never import. */
  readonly importRoot: string | undefined;
  /** The longest wait between two tries of a bookkeeping step, in ms. */
  readonly maxDelayMs: number;
  /** Aborted when the consumer stops waiting for bookkeeping at shutdown. */
  readonly giveUp: AbortSignal;
  /** Told of each call put into the schedule, so the read loop wakes for it. */
  readonly onScheduled: (eta: Date) => void;
  /** Deliveries of one attempt after which a call is dead-lettered (`MAX_DELIVERIES`). */
  readonly maxDeliveries: number;
  /** The limits of commands (rate, concurrency), checked before a call starts. */
  readonly limits: LimitGate;
}

/** Decides and carries out the fate of each message the consumer takes. */
export class Fate {
  readonly #ctx: FateContext;
  /**
   * Whether the queue's `finish` has stored and acknowledged in one step.
   * Until it has, a message may be one delivered again after its outcome
   * was stored (put, then a failed or interrupted ack), so the stored
   * outcome is looked up before its call runs.
   */
  #atomicFinish = false;
  /** The calls running now, by their message: what a revoke or a shutdown stops. */
  readonly running = new Map<string, { command: QueueCommand; call: RunningCall }>();

  constructor(context: FateContext) {
    this.#ctx = context;
  }

  /** Aborts the signal of every running call with `reason` (a shutdown). */
  abortAll(reason: Error): void {
    for (const { call } of this.running.values()) call.abort(reason);
  }

  /**
   * Carries one message through its phases.
   *
   * @param data - The message as taken.
   * @param origin - Where it was taken from.
   * @param slot - The read loop's slot it is carried out in.
   * @returns A promise that settles once the message's fate is carried out (or given up at shutdown).
   */
  async handle(data: string, origin: Origin, slot: Slot = LONE_SLOT): Promise<void> {
    try {
      const command = await this.#vet(data, origin);
      if (command === undefined) return;
      if (command.eta !== null && command.eta.getTime() > this.#ctx.clock().getTime()) return await this.#hold(command, data, origin);
      if (await this.#ranBefore(command, data, origin)) return;
      const deliveries = await this.#delivered(command, data, origin);
      if (deliveries === undefined) return;
      const skip = await this.#persist(`checking whether ${command.name} ${command.taskId} is revoked`, () => whySkip(this.#ctx.invoker.queue, { id: command.taskId, command: command.name, expires: command.expires }, this.#ctx.clock()));
      if (skip !== null) {
        slot.ran();
        return await this.#skip(command, data, origin, skip, slot);
      }
      const admitted = await this.#persist(`checking the limits of ${command.name} ${command.taskId}`, () => this.#ctx.limits.admit(command, this.#ctx.clock()));
      if (admitted.until !== null) {
        slot.ran();
        this.#forgetDeliveries(command, deliveries); // a wait is no delivery
        return await this.#hold(command, data, origin, admitted.until);
      }
      const call = new RunningCall({ id: command.taskId, name: command.name, attempt: command.attempt, deliveries }, this.#ctx.invoker.queue.controlStore);
      let outcome = await this.#run(command, data, call, () => slot.ran()).finally(() => admitted.release());
      const stopped = call.reason;
      // stopped by the shutdown: left unacknowledged, so the queue gives it back when it closes (or recovery does), attempt unchanged
      if (stopped instanceof ShutdownError) return this.#ctx.log.info(`${command.name} ${command.taskId} stopped by the shutdown: it goes back to the queue`);
      // recovered by another consumer, which runs it: nothing of it is this one's to settle
      if (stopped instanceof ClaimLostError) return this.#ctx.log.warn(stopped.message);
      // a call revoked while it ran fails as a revoked one, without a retry
      if (stopped instanceof TaskRevokedError) outcome = this.#revokedWhileRunning(command, stopped);
      const retrying = !outcome.ok && command.retries > 0 && !(stopped instanceof TaskRevokedError);
      if (!outcome.ok && !(stopped instanceof TaskRevokedError)) logFailure(this.#ctx.log, command, outcome.error, retrying);
      if (retrying) await this.#retry(command, data, origin);
      else {
        await this.#continue(command, outcome);
        await this.#settle(command, data, origin, outcome, slot);
      }
      this.#forgetDeliveries(command, deliveries);
    } catch (error) {
      if (!(error instanceof GaveUp)) throw error;
      this.#ctx.log.error(`${error.message}; the message stays claimed and comes back through recovery`);
    }
  }

  /** Phase 1: the call the message names, or `undefined` once a message that cannot run is dead-lettered. */
  async #vet(data: string, origin: Origin): Promise<QueueCommand | undefined> {
    let command: QueueCommand;
    try {
      command = await this.#ctx.invoker.commandFor(data, this.#ctx.importRoot);
    } catch (error) {
      if (!(error instanceof QueueException)) throw error;
      await this.#deadLetter(data, origin, await whyNotRun(this.#ctx.invoker.queue, data, error));
      return undefined;
    }
    const events = this.#ctx.invoker.events;
    if (events.listenerCount('received') > 0) events.emit('received', { taskId: command.taskId, command: command.name, fromSchedule: origin === 'schedule' });
    return command;
  }

  /** Phase 2: a call whose eta is ahead goes into the schedule; so does one waiting for a limit, until it frees. */
  async #hold(command: QueueCommand, data: string, origin: Origin, eta = command.eta!): Promise<void> {
    await this.#persist(`scheduling ${command.name} ${command.taskId}`, () => this.#ctx.schedule.add(data, eta));
    if (this.#ctx.log.enabled('debug')) this.#ctx.log.debug(`scheduled ${command.name} ${command.taskId} for ${eta.toISOString()}`);
    const events = this.#ctx.invoker.events;
    if (events.listenerCount('scheduled') > 0) events.emit('scheduled', { taskId: command.taskId, command: command.name, eta });
    this.#ctx.onScheduled(eta);
    await this.#acknowledge(data, origin);
  }

  /**
   * Whether the call already ran: delivered again after its outcome was
   * stored but before its message was acknowledged. Only possible when
   * storing and acknowledging are two steps, so only looked up then.
   */
  async #ranBefore(command: QueueCommand, data: string, origin: Origin): Promise<boolean> {
    const store = this.#ctx.invoker.resultStore;
    if (this.#atomicFinish || store?.peek === undefined || command.definition.validator !== undefined) return false;
    const stored = await this.#persist(`looking up the result of ${command.name} ${command.taskId}`, () => store.peek!(command.taskId));
    if (stored === EmptyData) return false;
    this.#ctx.log.info(`${command.name} ${command.taskId} already ran (its result is stored): acknowledged without running it again`);
    await this.#acknowledge(data, origin);
    return true;
  }

  /** Phase 3: a call that expired or is revoked is not run; its outcome says why, and a pipeline it is in stops. */
  async #skip(command: QueueCommand, data: string, origin: Origin, skip: Skip, slot: Slot): Promise<void> {
    const { log, invoker } = this.#ctx;
    log.info(`not running ${command.name} ${command.taskId}: ${skip.reason}`);
    if (invoker.events.listenerCount(skip.event) > 0) invoker.events.emit(skip.event, { taskId: command.taskId, command: command.name, reason: skip.reason });
    const outcome: Outcome = { ok: false, error: { name: SKIP_ERROR_NAME[skip.event], message: skip.reason } };
    await this.#continue(command, outcome);
    await this.#settle(command, data, origin, outcome, slot);
  }

  /**
   * Phase 4: runs the call as `call` (under its command's lock, when it has
   * one); its outcome, never a throw. Its command's `timeout` aborts its
   * signal with a `TimeoutError`, which is then its failure.
   */
  async #run(command: QueueCommand, data: string, call: RunningCall, ran: () => void): Promise<Outcome> {
    const { log, invoker, executor } = this.#ctx;
    const events = invoker.events;
    const started = performance.now();
    if (log.enabled('debug')) log.debug(`executing ${command.name} ${command.taskId}`);
    if (events.listenerCount('started') > 0) events.emit('started', { taskId: command.taskId, command: command.name, attempt: call.identity.attempt, deliveries: call.identity.deliveries });
    const timeout = command.definition.timeout;
    const timer = timeout === undefined ? undefined : setTimeout(() => call.abort(new TimeoutError(`${command.name} ${command.taskId} timed out after ${timeout} s`)), timeout * 1000);
    this.running.set(data, { command, call });
    try {
      const lock = command.definition.lock;
      // a held lock fails the call with TaskLockedException, retried like any failure
      const value = await (lock === undefined ? executor.run(command, call) : new TaskLock(invoker.queue, lock).run(() => executor.run(command, call)));
      ran();
      const duration = performance.now() - started;
      if (log.enabled('debug')) log.debug(`${command.name} ${command.taskId} finished in ${duration.toFixed(1)} ms`);
      if (events.listenerCount('finished') > 0) events.emit('finished', { taskId: command.taskId, command: command.name, duration });
      return { ok: true, value };
    } catch (error) {
      ran();
      logThrown(log, command, error);
      if (events.listenerCount('failed') > 0) {
        events.emit('failed', { taskId: command.taskId, command: command.name, error: errorLine(error), retries: command.retries, duration: performance.now() - started });
      }
      return failure(error);
    } finally {
      clearTimeout(timer);
      this.running.delete(data);
      await call.done();
    }
  }

  /**
   * Counts this delivery of the call's attempt. A call delivered more than
   * `MAX_DELIVERIES` times without finishing is dead-lettered instead.
   *
   * @returns The delivery's number, or `undefined` once dead-lettered.
   */
  async #delivered(command: QueueCommand, data: string, origin: Origin): Promise<number | undefined> {
    const { maxDeliveries, log, invoker } = this.#ctx;
    const queue = invoker.queue;
    // a queue that counts its own deliveries answers at once; the control store's count is a write
    const deliveries = countsDeliveries(queue) ? await queue.deliveries(data) : await this.#persist(`counting the deliveries of ${command.name} ${command.taskId}`, () => countDelivery(queue, data, command, maxDeliveries));
    if (deliveries > maxDeliveries) {
      await this.#deadLetter(data, origin, `QueueException: ${command.name} ${command.taskId} delivered ${maxDeliveries} times without finishing (attempt ${command.attempt})`);
      this.#forgetDeliveries(command, maxDeliveries);
      return undefined;
    }
    if (deliveries > 1) log.info(`${command.name} ${command.taskId} delivered again: delivery ${deliveries} of attempt ${command.attempt}`);
    return deliveries;
  }

  /** Best effort: a delivery count left behind ends with its time to live. */
  #forgetDeliveries(command: QueueCommand, count: number): void {
    const queue = this.#ctx.invoker.queue;
    if (!countsDeliveries(queue)) forgetDeliveries(queue, command, count).catch(() => {});
  }

  /** The outcome of a call revoked while it ran, told as a skip is. */
  #revokedWhileRunning(command: QueueCommand, error: TaskRevokedError): Outcome {
    const { log, invoker } = this.#ctx;
    log.info(`stopped ${command.name} ${command.taskId}: ${error.message}`);
    if (invoker.events.listenerCount('revoked') > 0) invoker.events.emit('revoked', { taskId: command.taskId, command: command.name, reason: error.message });
    return { ok: false, error: { name: SKIP_ERROR_NAME.revoked, message: error.message } };
  }

  /**
   * Phase 5, for a step of a pipeline: the next step is enqueued with this
   * step's result, or, after a final failure, the later steps' handles are
   * told they will not run and the error step is enqueued. Done before the
   * step's message is acknowledged, so a crash in between runs the step
   * again rather than losing the rest of its pipeline.
   */
  async #continue(command: QueueCommand, outcome: Outcome): Promise<void> {
    if (command.then === undefined) return;
    const { invoker } = this.#ctx;
    if (outcome.ok) await this.#persist(`enqueueing the step after ${command.name} ${command.taskId}`, () => continuePipeline(invoker, command, outcome.value));
    else await this.#persist(`stopping the pipeline of ${command.name} ${command.taskId}`, () => stopPipeline(invoker, command, outcome.error));
  }

  /** Phase 6, for a failure with retries left: the retry is enqueued, then the message acknowledged. */
  async #retry(command: QueueCommand, data: string, origin: Origin): Promise<void> {
    const { invoker } = this.#ctx;
    const retry = retryOf(command, this.#ctx.clock());
    await this.#persist(`re-enqueueing ${command.name} ${command.taskId}`, () => invoker.enqueue(retry));
    if (invoker.events.listenerCount('retrying') > 0) invoker.events.emit('retrying', { taskId: command.taskId, command: command.name, retries: retry.retries, eta: retry.eta });
    await this.#acknowledge(data, origin);
  }

  /**
   * Phase 6: stores the outcome (when the rules keep it: a pipeline's step
   * always, its group waits for every step), then acknowledges; one step
   * with the queue's `finish`, which also refills the slot when the queue
   * can and the loop wants it.
   */
  async #settle(command: QueueCommand, data: string, origin: Origin, outcome: Outcome, slot: Slot): Promise<void> {
    const { invoker } = this.#ctx;
    const stored = invoker.resultStore === undefined ? undefined : outcomeToStore(command, outcome, invoker.storeNone || command.then !== undefined);
    if (stored === undefined) return this.#acknowledge(data, origin);
    const what = `storing the result of ${command.name} ${command.taskId}`;
    try {
      const finished = await this.#persist(what, () => this.#finish(data, origin, stored, slot));
      if (!finished) {
        await this.#persist(what, () => invoker.resultStore!.put(stored.key, stored.value));
        await this.#acknowledge(data, origin);
      }
    } catch (error) {
      if (error instanceof GaveUp) await this.#keepUnstored(data, origin, stored, error);
      throw error;
    }
    if (invoker.events.listenerCount('resultStored') > 0) invoker.events.emit('resultStored', { taskId: stored.key, command: command.name, ok: stored.ok });
  }

  /** Stores and acknowledges in one step when the queue can, taking the slot's next message in it when wanted: `true` when it did. */
  async #finish(data: string, origin: Origin, stored: StoredOutcome, slot: Slot): Promise<boolean> {
    const { queue, resultStore } = this.#ctx.invoker;
    if (!this.#claimsOf(origin)) return false;
    const wanted = canFinishAndRead(queue) ? slot.wanted() : 0;
    let next: string[] | null;
    if (wanted > 0 && canFinishAndRead(queue)) next = await queue.finishAndRead(data, resultStore!, stored.key, stored.value, wanted);
    else next = canFinish(queue) && (await queue.finish(data, resultStore!, stored.key, stored.value)) ? [] : null;
    if (next === null) return false;
    slot.refill(next);
    this.#atomicFinish = true;
    return true;
  }

  /**
   * At shutdown, a call that ran but whose outcome could not be stored is
   * dead-lettered with its outcome in the reason, rather than left to run
   * again after recovery; when even that fails, it stays claimed.
   */
  async #keepUnstored(data: string, origin: Origin, stored: StoredOutcome, error: GaveUp): Promise<void> {
    const queue = this.#ctx.invoker.queue;
    const letters = deadLettersOf(queue);
    if (letters === undefined) return;
    const reason = `DataStorePutException: the call ran, but its result could not be stored (${(error.last as Error | undefined)?.message}); result: ${stored.value}`;
    try {
      await letters.deadLetter(data, reason);
      await this.#ack(queue, data, origin);
      this.#ctx.log.error(`dead-lettered ${stored.key} with its unstored result, so it does not run again`);
    } catch {
      // the backend is down too: the message stays claimed
    }
  }

  /** A message that cannot run: kept in the dead letters with the reason, then acknowledged. */
  async #deadLetter(data: string, origin: Origin, reason: string): Promise<void> {
    const { log, invoker } = this.#ctx;
    log.error(printable(reason));
    const queue = invoker.queue;
    const letters = deadLettersOf(queue);
    if (letters === undefined) {
      log.error(`queue "${queue.name}" keeps no dead letters; the message was: ${printable(data)}`);
    } else {
      await this.#persist('dead-lettering a message', () => letters.deadLetter(data, reason));
      if (invoker.events.listenerCount('deadLettered') > 0) invoker.events.emit('deadLettered', { ...namesOf(data), reason });
    }
    const store = invoker.resultStore;
    const answer = deadLetterAnswer(data, reason);
    if (store !== undefined && answer !== undefined) await this.#persist('storing why a message was dead-lettered', () => store.put(answer.taskId, answer.outcome));
    await this.#acknowledge(data, origin);
  }

  /** The message's call is done: it is forgotten by the queue, or by the schedule it came from. */
  #acknowledge(data: string, origin: Origin): Promise<void> {
    return this.#persist('acknowledging a message', () => this.#ack(this.#ctx.invoker.queue, data, origin));
  }

  async #ack(queue: BaseQueue, data: string, origin: Origin): Promise<void> {
    if (this.#claimsOf(origin)) await queue.ack?.(data);
    else await this.#ctx.schedule.done(data);
  }

  /** Whether a message from `origin` is a claim in the queue (the in-memory schedule keeps its own). */
  #claimsOf(origin: Origin): boolean {
    return origin === 'queue' || this.#ctx.schedule.claims;
  }

  #persist<T>(what: string, step: () => Promise<T>): Promise<T> {
    return persist(what, step, { log: this.#ctx.log, maxDelayMs: this.#ctx.maxDelayMs, signal: this.#ctx.giveUp });
  }
}
