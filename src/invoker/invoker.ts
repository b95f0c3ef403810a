/**
 * The heart of huey: the {@link Invoker} puts calls into a queue, reads
 * them back and runs them.
 *
 * @module
 */
import type { BaseDataStore, BaseQueue } from '../backends/base.js';
import {
  ConfigurationError,
  DataStorePutException,
  QueueException,
  QueueReadException,
  QueueWriteException,
  TaskException,
} from '../exceptions.js';
import { TypedEmitter, type HueyEvents } from '../observe/events.js';
import { startTrace } from '../observe/trace.js';
import { endSpan, startSendSpan } from '../observe/telemetry.js';
import { decodeMessage, encodeMessage, type Outcome } from '../core/message.js';
import { runEager, runPipelineEagerly } from './eager.js';
import { TaskLock, type LockOptions } from '../controls/lock.js';
import { requireLocks } from '../controls/locks.js';
import { firstCommand, Pipeline, ResultGroup } from './pipeline.js';
import { canWriteMany } from '../backends/fast-path.js';
import { isRevoked, restore, revoke, taskKey, type RevokeOptions } from '../controls/revoke.js';
import { failure, outcomeToStore } from '../core/outcome.js';
import { registry as sharedRegistry, type CommandRegistry } from '../core/registry.js';
import * as check from '../core/validate.js';
import { AsyncData } from './async-data.js';
import { PeriodicQueueCommand, QueueCommand, type CallOptions } from '../core/command.js';

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
  #closed: Promise<void> | undefined;

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
   * @returns A handle on the call once the message is written. Without a
   *   result store (and for periodic commands) its `get()` throws
   *   {@link ConfigurationError}; `revoke()` and `progress()` still work.
   *   With `alwaysEager` the handle already holds the result.
   * @throws QueueWriteException when an argument cannot be sent or the queue cannot be written.
   */
  async enqueue<R>(command: QueueCommand<unknown[], R>): Promise<AsyncData<R>>;
  /**
   * Writes a pipeline's first step to the queue (with `alwaysEager`, runs every step at once).
   *
   * @param pipeline - Made with `fn.s(...)` and `.then(...)`.
   * @returns The handles of every step, in order.
   * @throws ConfigurationError without a result store: a pipeline's steps answer through it.
   */
  async enqueue<R>(pipeline: Pipeline<R>): Promise<ResultGroup<R>>;
  async enqueue<R>(command: QueueCommand<unknown[], R> | Pipeline<R>): Promise<AsyncData<R> | ResultGroup<R>> {
    if (command instanceof Pipeline) return this.#enqueuePipeline(command);
    if (this.alwaysEager) return runEager(this, command, encodeMessage(command.toMessage()));
    // the PRODUCER span: its context travels in the message (nothing is written without an SDK)
    const { span, traceContext } = startSendSpan({ queue: this.queue.name, taskId: command.taskId, command: command.name, carried: command.traceContext });
    const message = command.toMessage();
    if (traceContext !== undefined) message.traceContext = traceContext;
    try {
      const data = encodeMessage(message);
      try {
        await this.queue.write(data);
      } catch (error) {
        if (error instanceof QueueException) throw error;
        throw new QueueWriteException(`Could not write ${command.name} to queue "${this.queue.name}": ${(error as Error).message}`, { cause: error, raw: data });
      }
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
    endSpan(span);
    if (this.events.listenerCount('enqueued') > 0) this.events.emit('enqueued', { taskId: command.taskId, command: command.name, eta: command.eta, retries: command.retries });
    const store = command instanceof PeriodicQueueCommand ? undefined : this.resultStore;
    return new AsyncData<R>(store, command.taskId, this.events, this.queue);
  }

  /**
   * Writes many calls at once: huey 3's `map`. Every call is encoded
   * before anything is written, so one that cannot be sent writes nothing;
   * then they go to the queue in one round trip where the backend can
   * (`writeMany`: one pipeline on Redis), else one write after the other.
   *
   * @param commands - The calls, in order.
   * @returns Their handles, in the same order.
   * @throws QueueWriteException naming the index of a call that cannot be sent (nothing written), or when the queue cannot be written.
   */
  async enqueueMany<R>(commands: readonly QueueCommand<unknown[], R>[]): Promise<ResultGroup<R, R[]>> {
    if (this.alwaysEager) return new ResultGroup<R, R[]>(await Promise.all(commands.map((command) => this.enqueue(command))));
    const data = commands.map((command, index) => {
      try {
        return encodeMessage(command.toMessage());
      } catch (error) {
        throw new QueueWriteException(`Nothing written: call ${index} of ${commands.length}: ${(error as Error).message}`, { cause: error });
      }
    });
    try {
      if (canWriteMany(this.queue)) await this.queue.writeMany(data);
      else for (const message of data) await this.queue.write(message);
    } catch (error) {
      if (error instanceof QueueException) throw error;
      throw new QueueWriteException(`Could not write ${data.length} calls to queue "${this.queue.name}": ${(error as Error).message}`, { cause: error });
    }
    if (this.events.listenerCount('enqueued') > 0) {
      for (const command of commands) this.events.emit('enqueued', { taskId: command.taskId, command: command.name, eta: command.eta, retries: command.retries });
    }
    return new ResultGroup<R, R[]>(commands.map((command) => new AsyncData<R>(this.resultStore, command.taskId, this.events, this.queue)));
  }

  /** A pipeline goes out as its first step's message, which carries the others; every step answers through the result store. */
  async #enqueuePipeline<R>(pipeline: Pipeline<R>): Promise<ResultGroup<R>> {
    if (this.alwaysEager) return runPipelineEagerly(this, pipeline);
    if (this.resultStore === undefined) throw new ConfigurationError('A pipeline needs an invoker with a result store: each step answers through it');
    await this.enqueue(firstCommand(pipeline));
    return new ResultGroup<R>(pipeline.steps.map((step) => new AsyncData(this.resultStore, step.id, this.events, this.queue)));
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
      ...(message.traceContext ? { traceContext: message.traceContext } : {}),
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
    return requireLocks(this.queue).isLocked(check.lockName('name', name));
  }

  /**
   * Releases every lock on this queue's backend, whoever holds it.
   *
   * @returns How many were held.
   */
  async flushLocks(): Promise<number> {
    return requireLocks(this.queue).flushLocks();
  }

  /**
   * Closes every connection, watcher and timer of this invoker's queue and
   * stores (a queue closes its own control store), so that a producer script
   * exits by itself; safe to call twice. `await using invoker = new
   * Invoker(...)` calls it at the end of the block.
   *
   * @example
   * ```ts
   * await countBeans(100);
   * await invoker.close(); // the Redis connections end; the process can exit
   * ```
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      const backends = new Set([this.queue, this.resultStore, this.taskStore].filter((backend) => backend !== undefined));
      await Promise.all([...backends].map((backend) => backend.close?.()));
    })();
    return this.#closed;
  }

  /** `await using`: {@link Invoker.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
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

