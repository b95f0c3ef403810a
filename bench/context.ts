/**
 * One benchmark run's state, handed to every section: the options, the
 * names of its queues, the rows measured so far, the timeline, and the
 * fill rates seen (to estimate what a larger backlog would cost).
 */
import type { BackendName } from './backends.js';
import type { Drained } from './huey.js';
import { Names } from './names.js';
import { Timeline } from './progress.js';
import type { Row } from './report.js';

/** The command line of `bench/run`. */
export interface Options {
  backend: BackendName[];
  n: number;
  runs: number;
  seconds: number;
  rate: number;
  growth: number[];
  growthSample?: number;
  budget: number;
  peers: boolean;
  extras: boolean;
  json: boolean;
  docs?: string | boolean;
  /** Whether `--n` was on the command line. */
  nGiven?: boolean;
}

/** A run in progress. */
export class Context {
  readonly names = new Names();
  readonly rows: Row[] = [];
  readonly timeline = new Timeline();
  readonly #fills = new Map<string, { count: number; ms: number }>();

  constructor(readonly options: Options) {}

  /** Adds a row to the table. */
  add(row: Row): void {
    this.rows.push(row);
  }

  /** The row measured under `key`, if any. */
  row(key: string): Row | undefined {
    return this.rows.find((row) => row.key === key);
  }

  /**
   * Notes the untimed work of a drain run on `queue` (a backend or a peer)
   * of `count` calls: its fill and its wait for the worker's boot are
   * counted in the timeline, and the largest fill is kept for estimates.
   *
   * @returns The run's rate.
   */
  drained(queue: string, count: number, run: Drained): number {
    if (run.bootWaitMs > 0) this.timeline.chore('waiting for a worker to boot', run.bootWaitMs);
    if (run.fillMs === undefined) return run.rate;
    this.timeline.chore('filling backlogs', run.fillMs);
    const largest = this.#fills.get(queue);
    if (largest === undefined || count >= largest.count) this.#fills.set(queue, { count, ms: run.fillMs });
    return run.rate;
  }

  /** Messages/s of the largest fill of `queue` so far; `undefined` before any. */
  fillRate(queue: string): number | undefined {
    const largest = this.#fills.get(queue);
    return largest === undefined || largest.ms <= 0 ? undefined : (largest.count * 1000) / largest.ms;
  }
}
