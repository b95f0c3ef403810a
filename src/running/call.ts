/**
 * One running call, seen from the consumer: the {@link RunningTask} the
 * call sees, the controller behind its signal, and its progress on its way
 * to the queue's control store. The fate makes one per run and stops it
 * for a timeout, a revoke or a shutdown; the executor runs the call as it.
 *
 * @internal
 * @module
 */
import type { BaseDataStore } from '../backends/base.js';
import { PROGRESS_TTL_MS, progressKey } from '../controls/progress.js';
import { encodeValue } from '../core/value.js';
import type { RunningTask } from './current-task.js';

/** How long a progress write waits for later ones, so a call reporting in a tight loop costs one write a quarter second. */
const PROGRESS_EVERY_MS = 250;

/** Who a call is: what `currentTask()` answers besides its signal. */
export interface TaskIdentity {
  readonly id: string;
  readonly name: string;
  readonly attempt: number;
  readonly deliveries: number;
}

/**
 * The task a call sees. `report` receives each progress already encoded,
 * so a value that cannot be sent throws in the call, as an argument would.
 */
export function runningTask(identity: TaskIdentity, signal: AbortSignal, report: (encoded: string) => void): RunningTask {
  return { ...identity, signal, progress: (value: unknown) => report(encodeProgress(value, identity.name)) };
}

/** A progress as it travels: JSON, in the wire format's values. */
const encodeProgress = (value: unknown, name: string): string => JSON.stringify(encodeValue(value, `the progress of ${name}`));

/**
 * A call the consumer runs: its task, and the stop the fate pulls. The
 * `AbortSignal` is made when the call first asks for it: most calls never
 * do, and a signal with its listeners costs more than the rest of a
 * call's bookkeeping on the memory backend. The consumer's own parts
 * listen with {@link onAbort}.
 */
export class RunningCall {
  readonly identity: TaskIdentity;
  readonly #store: BaseDataStore | undefined;
  #task: RunningTask | undefined;
  #controller: AbortController | undefined;
  #reason: Error | undefined;
  #listeners: (() => void)[] = [];
  #progress: ProgressWriter | undefined;

  /**
   * @param identity - Who the call is.
   * @param store - Where its progress goes: the queue's control store, when it has one.
   */
  constructor(identity: TaskIdentity, store: BaseDataStore | undefined) {
    this.identity = identity;
    this.#store = store;
  }

  /** What `currentTask()` answers inside the call; made when first asked for. */
  get task(): RunningTask {
    if (this.#task === undefined) {
      const call = this;
      const { id, name, attempt, deliveries } = this.identity;
      this.#task = {
        id,
        name,
        attempt,
        deliveries,
        get signal() {
          return call.signal;
        },
        progress: (value: unknown) => call.report(encodeProgress(value, name)),
      };
    }
    return this.#task;
  }

  /** The call's signal, made on first use (aborted already if the call was stopped before). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Why the call was told to stop; `undefined` while it was not. */
  get reason(): Error | undefined {
    return this.#reason;
  }

  /** Calls `listener` once, when the call is told to stop (at once if it was). */
  onAbort(listener: () => void): void {
    if (this.#reason !== undefined) listener();
    else this.#listeners.push(listener);
  }

  /** Tells the call to stop; the first reason given is the one it sees. */
  abort(reason: Error): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
    for (const listener of this.#listeners.splice(0)) listener();
  }

  /** Keeps a progress the call reported (from this process or its worker). */
  report(encoded: string): void {
    if (this.#store === undefined) return;
    (this.#progress ??= new ProgressWriter(this.#store, progressKey(this.identity.id))).write(encoded);
  }

  /** The call is over: its last progress is written now. */
  async done(): Promise<void> {
    if (this.#progress !== undefined) await this.#progress.flush();
  }
}

/** The latest progress of one call, written at most every {@link PROGRESS_EVERY_MS}. */
class ProgressWriter {
  readonly #store: BaseDataStore;
  readonly #key: string;
  #latest: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(store: BaseDataStore, key: string) {
    this.#store = store;
    this.#key = key;
  }

  /** Sends at once when no write went out in the last {@link PROGRESS_EVERY_MS}, else when that time is up. */
  write(encoded: string): void {
    this.#latest = encoded;
    if (this.#timer === undefined) this.#send();
  }

  async flush(): Promise<void> {
    this.#send();
    await this.#writing;
  }

  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const value = this.#latest;
    if (value === undefined) return;
    this.#latest = undefined;
    // progress is best effort: a store that fails loses a report, never the call
    this.#writing = this.#writing.then(() => this.#store.put(this.#key, value, PROGRESS_TTL_MS)).catch(() => {});
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#send();
    }, PROGRESS_EVERY_MS);
    this.#timer.unref();
  }
}
