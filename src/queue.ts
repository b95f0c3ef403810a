/**
 * The heart of huey: the {@link Invoker} puts calls into a queue and runs
 * them, a {@link QueueCommand} is one call, {@link AsyncData} is the
 * producer's handle on its result, and {@link CommandSchedule} keeps calls
 * with an eta for backends that have no schedule of their own.
 *
 * @module
 */
import type { BaseDataStore, BaseQueue } from './backends/base.js';
import { EmptyData } from './backends/base.js';
import {
  ConfigurationError,
  DataStoreGetException,
  DataStorePutException,
  DataStoreTimeout,
  QueueException,
  QueueReadException,
  QueueWriteException,
  TaskException,
} from './exceptions.js';
import { TypedEmitter, type HueyEvents } from './events.js';
import { startTrace } from './trace.js';
import { decodeMessage, decodeOutcome, encodeMessage, encodeOutcome, newId, type Message, type Outcome, type PipelineStep } from './message.js';
import { runEager } from './eager.js';
import { expiryOf } from './skip.js';
import { TaskLock, locksOf, type LockOptions } from './lock.js';
import { enqueuePipeline, Pipeline, type ResultGroup } from './pipeline.js';
import { isRevoked, restore, revoke, taskKey, type RevokeOptions } from './revoke.js';
import { failure, outcomeToStore } from './outcome.js';
import { registry as sharedRegistry, type CommandDefinition, type CommandRegistry } from './registry.js';
import * as check from './validate.js';

/** Where a call stands in the queue: its id, eta and retries. */
export interface CallOptions {
  /** The call's id; a fresh one when not given. */
  taskId?: string;
  /** When to run it; `null` or absent for as soon as possible. */
  eta?: Date | null;
  /** Retries left; the command's `retries` when not given. */
  retries?: number;
  /** Seconds before a retry; the command's `retryDelay` when not given. */
  retryDelay?: number;
  /** When it was first enqueued; now when not given. */
  enqueuedAt?: Date;
  /** The message as read from the queue, for acknowledging it. */
  raw?: string;
  /** Higher runs first; the command's `priority` (else 0) when not given. */
  priority?: number;
  /** After this instant the call is not run; from the command's `expires` when not given. */
  expires?: Date | null;
  /** The pipeline steps that follow this call. */
  then?: PipelineStep[];
  /** The pipeline's error step. */
  onError?: PipelineStep;
}

/**
 * One call of a registered command: the function's name, its arguments and
 * its place in the queue. The consumer builds it from a message and runs
 * {@link QueueCommand.execute}.
 */
export class QueueCommand<A extends unknown[] = unknown[], R = unknown> {
  /** The registered command this is a call of. */
  readonly definition: CommandDefinition;
  /** The arguments of the call. */
  readonly args: A;
  /** The call's id, the same in the queue and in the result store. */
  readonly taskId: string;
  /** When to run it, or `null` for as soon as possible. */
  readonly eta: Date | null;
  /** How many more times a failure is retried. */
  readonly retries: number;
  /** Seconds between a failure and its retry. */
  readonly retryDelay: number;
  /** When the call was first enqueued. */
  readonly enqueuedAt: Date;
  /** The message exactly as read from the queue, when it was read from one. */
  readonly raw: string | undefined;
  /** Higher runs first; equal priorities in the order they were enqueued. */
  readonly priority: number;
  /** After this instant the call is not run; `null` for never. */
  readonly expires: Date | null;
  /** The pipeline steps that follow this call, in order: empty for a pipeline's last step, `undefined` outside a pipeline. */
  readonly then: readonly PipelineStep[] | undefined;
  /** The pipeline's error step, if any. */
  readonly onError: PipelineStep | undefined;

  /**
   * @param definition - The registered command.
   * @param args - The call's arguments.
   * @param options - Id, eta and retries; defaults come from the command.
   */
  constructor(definition: CommandDefinition, args: A, options: CallOptions = {}) {
    this.definition = definition;
    this.args = args;
    this.taskId = options.taskId ?? newId();
    this.eta = options.eta ?? null;
    this.retries = options.retries ?? definition.retries;
    this.retryDelay = options.retryDelay ?? definition.retryDelay;
    this.enqueuedAt = options.enqueuedAt ?? new Date();
    this.raw = options.raw;
    this.priority = options.priority ?? definition.priority ?? 0;
    this.expires = options.expires !== undefined ? options.expires : expiryOf(definition.expires, this.enqueuedAt);
    this.then = options.then;
    this.onError = options.onError;
  }

  /** The command's name, e.g. `commands.countBeans`. */
  get name(): string {
    return this.definition.name;
  }

  /**
   * Runs the function with the call's arguments.
   *
   * @returns A promise of the function's result; it rejects with what the function threw.
   */
  async execute(): Promise<R> {
    return (await (this.definition.fn as (...args: A) => unknown)(...this.args)) as R;
  }

  /** The message this call travels as. */
  toMessage(): Message {
    return {
      id: this.taskId,
      command: this.name,
      args: this.args,
      eta: this.eta,
      retries: this.retries,
      retryDelay: this.retryDelay,
      enqueuedAt: this.enqueuedAt,
      priority: this.priority,
      expires: this.expires,
      ...(this.then ? { then: [...this.then] } : {}),
      ...(this.onError ? { onError: this.onError } : {}),
    };
  }
}

/** A call of a periodic command; the consumer enqueues one in each minute its validator accepts. */
export class PeriodicQueueCommand extends QueueCommand<[], unknown> {
  /**
   * Tells whether the command runs in the minute of `date`.
   *
   * @param date - Any instant in the minute.
   * @param options - `utc: false` reads local fields instead of UTC ones.
   */
  validateDatetime(date: Date, options: { utc?: boolean } = {}): boolean {
    return this.definition.validator?.(date, options) ?? false;
  }
}

/** Options of {@link Invoker}. */
export interface InvokerOptions {
  /** Where results go; without one, calls return `undefined` instead of a handle. */
  resultStore?: BaseDataStore;
  /** Where the consumer saves its in-memory schedule, for backends without a schedule of their own. */
  taskStore?: BaseDataStore;
  /**
   * Whether `undefined` and `null` results are stored.
   * @defaultValue `false`, as in huey: most commands return nothing worth keeping.
   */
  storeNone?: boolean;
  /**
   * Run every call at once in this process instead of queueing it: for tests and debugging.
   * Arguments and results still make the wire format's round trip, so a
   * value that could not go through a queue fails here too.
   * @defaultValue `false`
   */
  alwaysEager?: boolean;
  /**
   * The registry commands are registered in and looked up from.
   * @defaultValue the shared {@link registry!registry | registry}
   */
  registry?: CommandRegistry;
  /**
   * Append this invoker's events (and those of a consumer running it) to
   * the trace its queue keeps, for `huey trace`. The queue must have `traceAppend`.
   * @defaultValue `false`
   */
  trace?: boolean;
}

/** Options of {@link Invoker.dequeue}. */
export interface DequeueOptions {
  /** How long a blocking queue may wait for a message, in milliseconds. @defaultValue `0` */
  timeoutMs?: number;
  /** Package root to import unknown commands' modules from; without it, unknown names are not imported. */
  importRoot?: string;
}

/**
 * Puts calls into a queue, reads them back and runs them.
 *
 * @example
 * ```ts
 * const invoker = new Invoker(new FileQueue('beans', { path: '.huey' }), {
 *   resultStore: new FileDataStore('beans', { path: '.huey' }),
 * });
 * ```
 */
export class Invoker {
  /** The queue calls are written to. */
  readonly queue: BaseQueue;
  /** Where results are stored, if anywhere. */
  readonly resultStore: BaseDataStore | undefined;
  /** Where the consumer saves its schedule, if anywhere. */
  readonly taskStore: BaseDataStore | undefined;
  /** Whether `undefined` and `null` results are stored. */
  readonly storeNone: boolean;
  /** Whether calls run at once in this process. */
  readonly alwaysEager: boolean;
  /** The registry of this invoker's commands. */
  readonly registry: CommandRegistry;
  /** What happens to tasks, as it happens: this invoker's events and those of a consumer running it. */
  readonly events: TypedEmitter<HueyEvents> = new TypedEmitter<HueyEvents>();

  /**
   * @param queue - The queue to write calls to and read them from.
   * @param options - Result store, task store and behaviour switches.
   */
  constructor(queue: BaseQueue, options: InvokerOptions = {}) {
    check.knownKeys('Invoker', options, ['resultStore', 'taskStore', 'storeNone', 'alwaysEager', 'registry', 'trace']);
    this.queue = queue;
    this.resultStore = options.resultStore;
    this.taskStore = options.taskStore;
    this.storeNone = options.storeNone ?? false;
    this.alwaysEager = options.alwaysEager ?? false;
    this.registry = options.registry ?? sharedRegistry;
    if (options.trace) startTrace(this);
  }

  /**
   * Writes a call to the queue, or runs it at once with `alwaysEager`.
   *
   * @param command - The call.
   * @returns A handle on the result once the message is written; `undefined`
   *   without a result store (and for periodic commands). With `alwaysEager`
   *   the handle already holds the result.
   * @throws QueueWriteException when an argument cannot be sent or the queue cannot be written.
   */
  async enqueue<R>(command: QueueCommand<unknown[], R>): Promise<AsyncData<R> | undefined>;
  /**
   * Writes a pipeline's first step to the queue (with `alwaysEager`, runs every step at once).
   *
   * @param pipeline - Made with `fn.s(...)` and `.then(...)`.
   * @returns The handles of every step, in order.
   * @throws ConfigurationError without a result store: a pipeline's steps answer through it.
   */
  async enqueue<R>(pipeline: Pipeline<R>): Promise<ResultGroup<R>>;
  async enqueue<R>(command: QueueCommand<unknown[], R> | Pipeline<R>): Promise<AsyncData<R> | ResultGroup<R> | undefined> {
    if (command instanceof Pipeline) return enqueuePipeline(this, command);
    const data = encodeMessage(command.toMessage());
    if (this.alwaysEager) return runEager(this, command, data);
    try {
      await this.queue.write(data);
    } catch (error) {
      if (error instanceof QueueException) throw error;
      throw new QueueWriteException(`Could not write ${command.name} to queue "${this.queue.name}": ${(error as Error).message}`, { cause: error, raw: data });
    }
    if (this.events.listenerCount('enqueued') > 0) this.events.emit('enqueued', { taskId: command.taskId, command: command.name, eta: command.eta, retries: command.retries });
    if (this.resultStore === undefined || command instanceof PeriodicQueueCommand) return undefined;
    return new AsyncData<R>(this.resultStore, command.taskId, this.events, this.queue);
  }

  /**
   * Reads the next call from the queue.
   *
   * @returns The call, or `undefined` when none is waiting.
   * @throws QueueReadException keeping the raw text when the message is malformed or the queue cannot be read.
   * @throws QueueException keeping the raw text when the command is unknown (after one import attempt with `importRoot`).
   */
  async dequeue(options: DequeueOptions = {}): Promise<QueueCommand | undefined> {
    let raw: string | null;
    try {
      raw = await this.queue.read(options.timeoutMs ?? 0);
    } catch (error) {
      if (error instanceof QueueException) throw error;
      throw new QueueReadException(`Could not read from queue "${this.queue.name}": ${(error as Error).message}`, { cause: error });
    }
    return raw === null ? undefined : this.commandFor(raw, options.importRoot);
  }

  /**
   * Turns a raw message into a call of a registered command.
   *
   * @param raw - The message as read.
   * @param importRoot - Package root for the one dynamic import of an unknown command.
   * @throws QueueReadException when the message is malformed.
   * @throws QueueException when the command is unknown or its module fails to import.
   */
  async commandFor(raw: string, importRoot?: string): Promise<QueueCommand> {
    const message = decodeMessage(raw);
    let definition = this.registry.get(message.command);
    if (definition === undefined && importRoot !== undefined) {
      try {
        definition = await this.registry.load(message.command, importRoot);
      } catch (error) {
        if (error instanceof QueueException) throw new QueueException(error.message, { raw });
        throw new QueueException(`${message.command} could not be imported: ${(error as Error).message}`, { cause: error, raw });
      }
    }
    if (definition === undefined) throw new QueueException(`${message.command} not found in CommandRegistry`, { raw });
    const options: CallOptions = {
      taskId: message.id,
      eta: message.eta,
      retries: message.retries,
      retryDelay: message.retryDelay,
      enqueuedAt: message.enqueuedAt,
      raw,
      priority: message.priority ?? 0,
      expires: message.expires ?? null,
      ...(message.then ? { then: message.then } : {}),
      ...(message.onError ? { onError: message.onError } : {}),
    };
    return definition.validator ? new PeriodicQueueCommand(definition, [], options) : new QueueCommand(definition, message.args, options);
  }

  /**
   * Runs a call and stores its result by the rules: periodic results are
   * not stored, nor `undefined`/`null` unless `storeNone`.
   *
   * @returns The function's result.
   * @throws What the function threw (nothing is stored then: the consumer decides between retry and failure).
   * @throws DataStorePutException when the result cannot be stored.
   */
  async execute<R>(command: QueueCommand<unknown[], R>): Promise<R> {
    const value = await command.execute();
    await this.storeResult(command, value);
    return value;
  }

  /**
   * Stores a call's result by the rules of {@link Invoker.execute}: for
   * results computed elsewhere (a worker thread, a test).
   *
   * @param command - The call.
   * @param value - What it returned.
   * @returns A promise that settles once the result is stored (or the rules say it is not kept).
   * @throws DataStorePutException when the store cannot be written.
   */
  async storeResult(command: QueueCommand, value: unknown): Promise<void> {
    await this.#store(command, { ok: true, value });
  }

  /**
   * Stores a call's final failure, so that `AsyncData.get` rejects with {@link TaskException}.
   *
   * @param command - The call.
   * @param error - Why it failed.
   * @returns A promise that settles once the failure is stored.
   * @throws DataStorePutException when the store cannot be written.
   */
  async storeError(command: QueueCommand, error: unknown): Promise<void> {
    await this.#store(command, failure(error));
  }

  /** Removes every waiting message from the queue. */
  async flush(): Promise<void> {
    await this.queue.flush();
  }

  /**
   * Revokes one call by its id: a consumer that reads it skips it.
   *
   * @param taskId - The call's id (`res.taskId`).
   * @param options - `until` an instant; `once` is meaningless for one call and accepted.
   * @throws ConfigurationError for bad options or a queue that keeps no revocations.
   */
  async revokeById(taskId: string, options?: RevokeOptions): Promise<void> {
    await revoke(this.queue, taskKey(check.nonEmptyString('taskId', taskId)), options);
  }

  /**
   * Ends the revocation of one call.
   *
   * @returns `true` when it was revoked.
   */
  async restoreById(taskId: string): Promise<boolean> {
    return restore(this.queue, taskKey(check.nonEmptyString('taskId', taskId)));
  }

  /** Tells whether the call with this id is revoked. */
  async isRevokedById(taskId: string): Promise<boolean> {
    return isRevoked(this.queue, taskKey(check.nonEmptyString('taskId', taskId)));
  }

  /**
   * A lock shared by every process on this queue's backend.
   *
   * @param name - The lock's name.
   * @param options - The lease: how long a dead holder keeps the lock.
   * @throws ConfigurationError for an empty name or a queue that keeps no locks.
   */
  lockTask(name: string, options?: LockOptions): TaskLock {
    return new TaskLock(this.queue, name, options);
  }

  /** Tells whether the lock `name` is held. */
  async isLocked(name: string): Promise<boolean> {
    return locksOf(this.queue).isLocked(check.lockName('name', name));
  }

  /**
   * Releases every lock on this queue's backend, whoever holds it.
   *
   * @returns How many were held.
   */
  async flushLocks(): Promise<number> {
    return locksOf(this.queue).flushLocks();
  }

  async #store(command: QueueCommand, outcome: Outcome): Promise<void> {
    const stored = this.resultStore === undefined ? undefined : outcomeToStore(command, outcome, this.storeNone);
    if (stored === undefined) return;
    try {
      await this.resultStore!.put(stored.key, stored.value);
    } catch (error) {
      if (error instanceof QueueException) throw error;
      throw new DataStorePutException(`Could not store the result of ${stored.key}: ${(error as Error).message}`, { cause: error });
    }
    if (this.events.listenerCount('resultStored') > 0) this.events.emit('resultStored', { taskId: stored.key, command: command.name, ok: stored.ok });
  }
}

/** Options of {@link AsyncData.get}. */
export interface GetOptions {
  /** Wait for the result instead of answering `undefined` at once. @defaultValue `false` */
  blocking?: boolean;
  /** With `blocking`, the longest wait in seconds; no limit when absent. */
  timeout?: number;
  /** With `blocking` on a store that cannot push, the growth factor of the polling delay. @defaultValue `1.15` */
  backoff?: number;
  /** With `blocking` on a store that cannot push, the longest polling delay in seconds. @defaultValue `1` */
  maxDelay?: number;
}

/** The options {@link AsyncData.get} knows; one array for every call, which checks them. */
const GET_OPTIONS = ['blocking', 'timeout', 'backoff', 'maxDelay'] as const;

/** The first polling delay of a blocking get, in seconds (huey 0.2's). */
const INITIAL_GET_DELAY = 0.1;

/**
 * The producer's handle on the result of one call.
 *
 * The result is deleted from the store on first read and kept on the handle,
 * so later `get`s answer the same.
 *
 * @example
 * ```ts
 * const res = await countBeans(100);
 * console.log(await res?.get({ blocking: true, timeout: 5 }));
 * ```
 */
export class AsyncData<R = unknown> {
  /** The call's id, the same as in the queue. */
  readonly taskId: string;
  readonly #store: BaseDataStore | undefined;
  readonly #events: TypedEmitter<HueyEvents> | undefined;
  readonly #queue: BaseQueue | undefined;
  #outcome: Outcome | undefined;

  /**
   * @param store - The result store to read from.
   * @param taskId - The call's id.
   * @param events - Where to emit `resultRead` when the result is read: the invoker's events.
   * @param queue - The queue the call went to, which keeps its revocation.
   */
  constructor(store: BaseDataStore | undefined, taskId: string, events?: TypedEmitter<HueyEvents>, queue?: BaseQueue) {
    this.#store = store;
    this.taskId = taskId;
    this.#events = events;
    this.#queue = queue;
  }

  /** A handle that already holds its result (eager mode). */
  static settled<R>(taskId: string, value: R, queue?: BaseQueue): AsyncData<R> {
    const data = new AsyncData<R>(undefined, taskId, undefined, queue);
    data.#outcome = { ok: true, value };
    return data;
  }

  /** A handle whose `get()` rejects with {@link TaskException} of this error (eager mode). */
  static failed<R>(taskId: string, error: { name: string; message: string }, queue?: BaseQueue): AsyncData<R> {
    const data = new AsyncData<R>(undefined, taskId, undefined, queue);
    data.#outcome = { ok: false, error: { name: error.name, message: error.message } };
    return data;
  }

  /** `true` once the outcome has been read: `get()` answers without asking the store. */
  get settled(): boolean {
    return this.#outcome !== undefined;
  }

  /**
   * Revokes this call: a consumer that reads it skips it, and `get()` rejects with {@link TaskException}.
   *
   * @param options - `until` an instant.
   * @throws ConfigurationError for bad options or a queue that keeps no revocations.
   */
  async revoke(options?: RevokeOptions): Promise<void> {
    await revoke(this.#revocationQueue(), taskKey(this.taskId), options);
  }

  /** Ends this call's revocation; `true` when it was revoked. */
  async restore(): Promise<boolean> {
    return restore(this.#revocationQueue(), taskKey(this.taskId));
  }

  /** Tells whether this call is revoked. */
  async isRevoked(): Promise<boolean> {
    return isRevoked(this.#revocationQueue(), taskKey(this.taskId));
  }

  #revocationQueue(): BaseQueue {
    if (this.#queue === undefined) throw new ConfigurationError(`The handle of task ${this.taskId} does not know its queue: make it with the invoker`);
    return this.#queue;
  }

  /**
   * Reads the result.
   *
   * @param options - Whether and how long to wait.
   * @returns The result, or `undefined` while it is not ready (without `blocking`).
   * @throws TaskException when the call failed for good.
   * @throws DataStoreTimeout when `blocking` and `timeout` seconds pass first.
   * @throws DataStoreGetException when the store cannot be read.
   */
  async get(options: GetOptions = {}): Promise<R | undefined> {
    check.knownKeys('get()', options, GET_OPTIONS);
    const timeout = options.timeout === undefined ? Infinity : check.seconds('timeout', options.timeout, 0);
    const backoff = options.backoff ?? 1.15;
    if (typeof backoff !== 'number' || !(backoff >= 1)) check.expected('backoff', 'a number of at least 1', backoff);
    const maxDelay = check.seconds('maxDelay', options.maxDelay, 1);
    const deadline = Date.now() + timeout * 1000;
    let delay = INITIAL_GET_DELAY;
    while (this.#outcome === undefined) {
      await this.#read();
      if (this.#outcome !== undefined || !options.blocking) break;
      const left = deadline - Date.now();
      if (left <= 0) throw new DataStoreTimeout(`No result for task ${this.taskId} within ${timeout} s`);
      const store = this.#store!;
      if (store.wait !== undefined) {
        try {
          await store.wait(this.taskId, Math.min(left, 2 ** 31 - 1));
        } catch (error) {
          throw this.#readFailure(error);
        }
      } else {
        await new Promise((resolve) => setTimeout(resolve, Math.min(left, Math.min(delay, maxDelay) * 1000)));
        delay = Math.min(delay * backoff, maxDelay);
      }
    }
    const outcome = this.#outcome;
    if (outcome === undefined) return undefined;
    if (!outcome.ok) throw new TaskException(outcome.error.message, outcome.error.name, outcome.error.stack);
    return outcome.value as R;
  }

  async #read(): Promise<void> {
    const store = this.#store;
    if (store === undefined) return;
    let raw: string | typeof EmptyData;
    try {
      raw = await store.get(this.taskId);
    } catch (error) {
      throw this.#readFailure(error);
    }
    if (raw === EmptyData) return;
    try {
      this.#outcome = decodeOutcome(raw);
    } catch (error) {
      throw new DataStoreGetException(`The result of task ${this.taskId} is unreadable: ${(error as Error).message}`, { cause: error, raw });
    }
    if (this.#events !== undefined && this.#events.listenerCount('resultRead') > 0) this.#events.emit('resultRead', { taskId: this.taskId, ok: this.#outcome.ok });
  }

  #readFailure(error: unknown): DataStoreGetException {
    return new DataStoreGetException(`Could not read the result of task ${this.taskId}: ${(error as Error).message}`, { cause: error });
  }
}

export { CommandSchedule } from './schedule.js';
export { Pipeline, ResultGroup, type PipelineFailure, type Queued, type StepCall } from './pipeline.js';
export type { PipelineStep } from './message.js';
export { TaskLock, type LockOptions } from './lock.js';
export type { RevokeOptions } from './revoke.js';
