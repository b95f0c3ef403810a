/**
 * The recent history and the shared counters, written by every consumer:
 * a {@link HistoryRecorder} listens to the consumer's events, and once a
 * call's fate for this attempt is settled (finished, failed for good,
 * retried, skipped, dead-lettered) it adds one entry to the queue's
 * history and counts it, per command and outcome, with its run time in a
 * histogram. Entries are sent to the backend in batches, a fifth of a
 * second apart at most, so a call costs a few map updates, not a write.
 *
 * @internal
 * @module
 */
import { hostname } from 'node:os';
import type { BaseQueue } from '../backends/base.js';
import { recordsOf, type Records } from '../backends/records.js';
import type { HueyEvents, TypedEmitter } from './events.js';

/** What became of one attempt of a call. */
export type CallOutcome = 'finished' | 'failed' | 'retried' | 'skipped' | 'dead-lettered';

/** Every outcome, in the order `/metrics` lists them. */
export const OUTCOMES: readonly CallOutcome[] = ['finished', 'failed', 'retried', 'skipped', 'dead-lettered'];

/** One entry of the history: one attempt of a call, once its fate was settled. */
export interface HistoryEntry {
  /** When its fate was settled, ISO 8601. */
  at: string;
  /** The task id. */
  id: string | undefined;
  /** The command's name; `undefined` for a message too broken to name one. */
  command: string | undefined;
  outcome: CallOutcome;
  /** 1 on the first run, 2 on the first retry, ...; `null` when it never started. */
  attempt: number | null;
  /** Times this attempt was delivered; `null` when it never started. */
  deliveries: number | null;
  /** How long the call ran, in milliseconds; `null` when it did not run. */
  runMs: number | null;
  /** The error or the reason, for every outcome but `finished`. */
  error?: string;
  /** The consumer's `<host>:<pid>`. */
  by: string;
}

/** The upper bounds of the run-time histogram's buckets, in seconds (Prometheus's default buckets). */
export const RUN_SECONDS_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The name of a counter as the backend keeps it: a JSON array, readable in
 * `redis-cli` and safe whatever a command's name holds.
 * `["calls","commands.add","finished"]`, `["run_seconds_bucket","commands.add","0.5"]`
 * (one bucket's own count, not cumulative; `+Inf` past the last bound),
 * `["run_seconds_sum","commands.add"]`, `["run_seconds_count","commands.add"]`.
 */
export const counterName = (...parts: string[]): string => JSON.stringify(parts);

/** The bucket a run of `seconds` falls in, as written in its counter's name. */
export function bucketOf(seconds: number): string {
  const bound = RUN_SECONDS_BUCKETS.find((le) => seconds <= le);
  return bound === undefined ? '+Inf' : String(bound);
}

/** How long entries wait before they are sent, in ms: a batch a fifth of a second. */
const FLUSH_MS = 200;
/** Calls started and not settled that are remembered (their attempt and deliveries); older ones are forgotten. */
const PENDING_MAX = 10_000;
const BY = `${hostname()}:${process.pid}`;

/** A failed run whose fate the next event tells: a retry, a revoke, or nothing (a shutdown put it back). */
const SETTLED_ELSEWHERE = /^(TaskRevokedError|ShutdownError|ClaimLostError)\b/;

/** Records the fates of one consumer's calls into its queue's history and counters. */
export class HistoryRecorder {
  readonly #records: Records;
  readonly #keep: number;
  readonly #events: TypedEmitter<HueyEvents>;
  readonly #off: (() => void)[] = [];
  /** Started calls, by task id: their attempt and deliveries, then their failure when it waits for its fate. */
  readonly #pending = new Map<string, { attempt: number; deliveries: number; runMs?: number; error?: string }>();
  #entries: string[] = [];
  #counts = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> = Promise.resolve();
  #warned = false;

  /**
   * @param records - The queue's records.
   * @param events - The consumer's events (its invoker's).
   * @param keep - How many entries the history keeps.
   */
  constructor(records: Records, events: TypedEmitter<HueyEvents>, keep: number) {
    this.#records = records;
    this.#keep = keep;
    this.#events = events;
    this.#on('started', (e) => {
      if (this.#pending.size >= PENDING_MAX) this.#pending.delete(this.#pending.keys().next().value!);
      this.#pending.set(e.taskId, { attempt: e.attempt, deliveries: e.deliveries });
    });
    this.#on('finished', (e) => this.#settle(e.taskId, e.command, 'finished', e.duration));
    this.#on('failed', (e) => {
      const pending = this.#pending.get(e.taskId);
      if (SETTLED_ELSEWHERE.test(e.error) || e.retries > 0) {
        if (pending !== undefined) Object.assign(pending, { runMs: e.duration, error: e.error });
      } else this.#settle(e.taskId, e.command, 'failed', e.duration, e.error);
    });
    this.#on('retrying', (e) => this.#settle(e.taskId, e.command, 'retried'));
    this.#on('revoked', (e) => this.#settle(e.taskId, e.command, 'skipped', undefined, e.reason));
    this.#on('expired', (e) => this.#settle(e.taskId, e.command, 'skipped', undefined, e.reason));
    this.#on('deadLettered', (e) => this.#settle(e.taskId, e.command, 'dead-lettered', undefined, e.reason));
  }

  /** Sends what is waiting; resolves once the backend has it (or could not take it: a warning says so once). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const entries = this.#entries;
    const counts = this.#counts;
    if (entries.length > 0 || counts.size > 0) {
      this.#entries = [];
      this.#counts = new Map();
      // one batch at a time, so the history keeps this consumer's order
      this.#sending = this.#sending.then(() => this.#records.record(entries, counts, this.#keep)).catch((error: unknown) => {
        if (this.#warned) return;
        this.#warned = true;
        process.emitWarning(`could not write the history and counters: ${(error as Error).message}`, 'HueyHistoryWarning');
      });
    }
    return this.#sending;
  }

  /** Stops listening; resolves once what was recorded is sent. */
  stop(): Promise<void> {
    for (const off of this.#off) off();
    this.#off.length = 0;
    return this.flush();
  }

  #on<K extends keyof HueyEvents>(name: K, listener: (payload: HueyEvents[K]) => void): void {
    this.#events.on(name, listener);
    this.#off.push(() => this.#events.off(name, listener));
  }

  #settle(taskId: string | undefined, command: string | undefined, outcome: CallOutcome, runMs?: number, error?: string): void {
    const pending = taskId === undefined ? undefined : this.#pending.get(taskId);
    if (taskId !== undefined) this.#pending.delete(taskId);
    const ran = runMs ?? pending?.runMs;
    const entry: HistoryEntry = {
      at: new Date().toISOString(),
      id: taskId,
      command,
      outcome,
      attempt: pending?.attempt ?? null,
      deliveries: pending?.deliveries ?? null,
      runMs: ran === undefined ? null : Math.round(ran * 1000) / 1000,
      ...(error ?? pending?.error ? { error: error ?? pending?.error } : {}),
      by: BY,
    };
    this.#entries.push(JSON.stringify(entry));
    const name = command ?? '';
    this.#add(counterName('calls', name, outcome), 1);
    if (ran !== undefined) {
      this.#add(counterName('run_seconds_bucket', name, bucketOf(ran / 1000)), 1);
      this.#add(counterName('run_seconds_sum', name), ran / 1000);
      this.#add(counterName('run_seconds_count', name), 1);
    }
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  #add(name: string, delta: number): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + delta);
  }
}

const recorders = new WeakMap<object, HistoryRecorder>();

/**
 * Starts recording the fates of an invoker's calls (run by any consumer of
 * it) into its queue's history and counters; once per invoker.
 *
 * @param keep - How many entries the history keeps (`HISTORY`).
 * @returns The recorder, or `undefined` when the queue keeps no records.
 */
export function startHistory(invoker: { queue: BaseQueue; events: TypedEmitter<HueyEvents> }, keep: number): HistoryRecorder | undefined {
  const known = recorders.get(invoker);
  if (known !== undefined) return known;
  const records = recordsOf(invoker.queue);
  if (records === undefined) return undefined;
  const recorder = new HistoryRecorder(records, invoker.events, keep);
  recorders.set(invoker, recorder);
  return recorder;
}

/** The recorder of an invoker, when it records. */
export function historyOf(invoker: object): HistoryRecorder | undefined {
  return recorders.get(invoker);
}

/** Decodes an entry of the history; `undefined` for a line that is not one. */
export function parseHistoryEntry(line: string): HistoryEntry | undefined {
  try {
    const entry = JSON.parse(line) as HistoryEntry;
    return typeof entry === 'object' && entry !== null && typeof entry.outcome === 'string' && typeof entry.at === 'string' ? entry : undefined;
  } catch {
    // not JSON: skipped, as a log reader skips a torn line
    return undefined;
  }
}
