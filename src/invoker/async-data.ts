/**
 * {@link AsyncData}: the producer's handle on the result of one call. It
 * reads the result store (deleting the result on first read), waits for a
 * result when asked to, and revokes or restores its call.
 *
 * @module
 */
import type { BaseDataStore, BaseQueue } from '../backends/base.js';
import { EmptyData } from '../backends/base.js';
import { canPushResults } from '../backends/fast-path.js';
import { ConfigurationError, DataStoreGetException, DataStoreTimeout, TaskException } from '../exceptions.js';
import type { HueyEvents, TypedEmitter } from '../observe/events.js';
import { decodeOutcome, type Outcome } from '../core/message.js';
import { isRevoked, restore, revoke, taskKey, type RevokeOptions } from '../controls/revoke.js';
import * as check from '../core/validate.js';
import { readProgress } from '../controls/progress.js';

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

/** {@link GetOptions}, checked, with their defaults. */
type Wait = Required<GetOptions>;

function waitOptions(options: GetOptions): Wait {
  check.knownKeys('get()', options, GET_OPTIONS);
  const timeout = options.timeout === undefined ? Infinity : check.seconds('timeout', options.timeout, 0);
  const backoff = options.backoff ?? 1.15;
  if (typeof backoff !== 'number' || !(backoff >= 1)) check.expected('backoff', 'a number of at least 1', backoff);
  const maxDelay = check.seconds('maxDelay', options.maxDelay, 1);
  return { blocking: Boolean(options.blocking), timeout, backoff, maxDelay };
}

/**
 * The producer's handle on the result of one call.
 *
 * The result is deleted from the store on first read and kept on the handle,
 * so later `get`s answer the same.
 *
 * @example
 * ```ts
 * const res = await countBeans(100);
 * console.log(await res.get({ blocking: true, timeout: 5 }));
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
   * @param store - The result store to read from; `undefined` for a call that
   *   stores no result (no result store, or a periodic command).
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

  /**
   * The latest progress the running call reported with
   * `currentTask().progress(value)`; `undefined` before its first report.
   *
   * @throws ConfigurationError for a queue without a control store.
   */
  async progress(): Promise<unknown> {
    return readProgress(this.#revocationQueue(), this.taskId);
  }

  #revocationQueue(): BaseQueue {
    if (this.#queue === undefined) throw new ConfigurationError(`The handle of task ${this.taskId} does not know its queue: make it with the invoker`);
    return this.#queue;
  }

  /**
   * Waits for the result.
   *
   * @param options - `blocking: true`, and how long to wait.
   * @returns The result.
   * @throws TaskException when the call failed for good.
   * @throws DataStoreTimeout when `timeout` seconds pass first.
   * @throws DataStoreGetException when the store cannot be read.
   * @throws ConfigurationError when the call stores no result (no result store, or a periodic command).
   */
  get(options: GetOptions & { blocking: true }): Promise<R>;
  /**
   * Reads the result.
   *
   * @param options - Whether and how long to wait.
   * @returns The result, or `undefined` while it is not ready (without `blocking`).
   * @throws TaskException when the call failed for good.
   * @throws DataStoreTimeout when `blocking` and `timeout` seconds pass first.
   * @throws DataStoreGetException when the store cannot be read.
   * @throws ConfigurationError when the call stores no result (no result store, or a periodic command).
   */
  get(options?: GetOptions): Promise<R | undefined>;
  async get(options: GetOptions = {}): Promise<R | undefined> {
    const wait = waitOptions(options);
    if (this.#outcome === undefined) {
      if (this.#store === undefined) throw new ConfigurationError(`Task ${this.taskId} has no result store to answer through: give the Invoker a resultStore (periodic commands store no results)`);
      await this.#settle(this.#store, wait);
    }
    const outcome = this.#outcome;
    if (outcome === undefined) return undefined;
    if (!outcome.ok) throw new TaskException(outcome.error.message, outcome.error.name, outcome.error.stack);
    return outcome.value as R;
  }

  /** Reads the store once, or with `blocking` until the outcome is there. */
  async #settle(store: BaseDataStore, { blocking, timeout, backoff, maxDelay }: Wait): Promise<void> {
    const deadline = Date.now() + timeout * 1000;
    let delay = INITIAL_GET_DELAY;
    while (this.#outcome === undefined) {
      await this.#read(store);
      if (this.#outcome !== undefined || !blocking) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new DataStoreTimeout(`No result for task ${this.taskId} within ${timeout} s`);
      if (canPushResults(store)) {
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
  }

  async #read(store: BaseDataStore): Promise<void> {
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
