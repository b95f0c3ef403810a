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
  return {
    ...identity,
    signal,
    progress: (value: unknown) => report(JSON.stringify(encodeValue(value, `the progress of ${identity.name}`))),
  };
}

/** A call the consumer runs: its task, and the stop the fate pulls. */
export class RunningCall {
  readonly task: RunningTask;
  readonly #controller = new AbortController();
  readonly #progress: ProgressWriter | undefined;

  /**
   * @param identity - Who the call is.
   * @param store - Where its progress goes: the queue's control store, when it has one.
   */
  constructor(identity: TaskIdentity, store: BaseDataStore | undefined) {
    this.#progress = store === undefined ? undefined : new ProgressWriter(store, progressKey(identity.id));
    this.task = runningTask(identity, this.#controller.signal, (encoded) => this.report(encoded));
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Tells the call to stop; the first reason given is the one it sees. */
  abort(reason: Error): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  /** Keeps a progress the call reported (from this process or its worker). */
  report(encoded: string): void {
    this.#progress?.write(encoded);
  }

  /** The call is over: its last progress is written now. */
  async done(): Promise<void> {
    await this.#progress?.flush();
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
