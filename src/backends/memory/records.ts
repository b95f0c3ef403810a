/**
 * The records of a memory queue: the history as an array capped at its
 * newest entries, the counters as a map. Seen by the process alone, as is
 * everything of a memory queue.
 *
 * @internal
 * @module
 */
import { addCounts, type Records } from '../records.js';

export class MemoryRecords implements Records {
  /** Oldest first, so that appending is a push. */
  #history: string[] = [];
  readonly #counters = new Map<string, number>();

  async record(entries: readonly string[], counts: ReadonlyMap<string, number>, keep: number): Promise<void> {
    this.#history.push(...entries);
    if (this.#history.length > keep) this.#history.splice(0, this.#history.length - keep);
    addCounts(this.#counters, counts);
  }

  async history(limit: number): Promise<string[]> {
    return this.#history.slice(Math.max(0, this.#history.length - limit)).reverse();
  }

  async counters(): Promise<Map<string, number>> {
    return new Map(this.#counters);
  }
}
