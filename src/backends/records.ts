/**
 * Records: what every consumer of a queue keeps in the backend about the
 * calls it finished, for operators. Two parts, written together:
 *
 * - a **history**, the last N finished calls (one JSON line each, newest
 *   first), for `huey history` and the task page of `huey web`;
 * - **counters** shared by every consumer of the queue (calls per command
 *   and outcome, run time per command), so that one scrape of `/metrics`
 *   from any process sees the whole queue.
 *
 * Optional: a queue without it runs calls as well; `huey history` and the
 * counters of `/metrics` then say the backend keeps none.
 *
 * @module
 */
import type { BaseQueue } from './base.js';

/** The history and counters of one queue, kept by its backend. */
export interface Records {
  /**
   * Appends finished calls to the history, keeping only the newest `keep`
   * of all the queue's entries, and adds `counts` to the queue's counters;
   * in one step where the backend can.
   *
   * @param entries - One line of JSON each, oldest first, without newlines.
   * @param counts - What to add to each counter, by the counter's name.
   * @param keep - How many entries of history the queue keeps at most.
   */
  record(entries: readonly string[], counts: ReadonlyMap<string, number>, keep: number): Promise<void>;

  /**
   * The newest entries of the history, newest first.
   *
   * @param limit - The most to return.
   */
  history(limit: number): Promise<string[]>;

  /** Every counter of the queue, by name, as added up by all its consumers. */
  counters(): Promise<Map<string, number>>;
}

/** A queue that keeps records: its `records` member. */
export interface KeepsRecords {
  /** The queue's history and counters. */
  readonly records: Records;
}

/** The records of a queue, when its backend keeps them. */
export function recordsOf(queue: BaseQueue): Records | undefined {
  const records = (queue as Partial<KeepsRecords>).records;
  return records !== undefined && typeof records.record === 'function' ? records : undefined;
}

/** How many finished calls a history keeps when the configuration says nothing (`HISTORY`). */
export const DEFAULT_HISTORY = 1000;

/** Adds `counts` into `totals` (the memory backend's counters, and the file backend's per-consumer ones). */
export function addCounts(totals: Map<string, number>, counts: ReadonlyMap<string, number>): void {
  for (const [name, delta] of counts) totals.set(name, (totals.get(name) ?? 0) + delta);
}
