/**
 * huey 0.2's schedule: calls waiting for their eta, kept in the consumer's
 * memory and saved to the invoker's task store. The consumer uses it for
 * backends that have no schedule of their own. Exported from `huey/queue`.
 *
 * @internal
 * @module
 */
import { EmptyData } from '../backends/base.js';
import { QueueReadException } from '../exceptions.js';
import { decodeMessage } from '../core/message.js';
import type { BaseDataStore } from '../backends/base.js';

/** The key the consumer saves its schedule under in the task store (huey 0.2's). */
const SCHEDULE_KEY = 'schedule';

/**
 * Calls waiting for their eta, kept in the consumer's memory and saved to
 * the invoker's task store: huey 0.2's way, used for backends that have no
 * schedule of their own.
 */
export class CommandSchedule {
  readonly #invoker: { readonly taskStore?: BaseDataStore | undefined };
  readonly #key: string;
  #entries: { eta: number; data: string }[] = [];

  /**
   * @param invoker - The invoker whose task store holds the saved schedule.
   * @param key - The task store key. @defaultValue `'schedule'`
   */
  constructor(invoker: { readonly taskStore?: BaseDataStore | undefined }, key = SCHEDULE_KEY) {
    this.#invoker = invoker;
    this.#key = key;
  }

  /** How many calls wait. */
  get size(): number {
    return this.#entries.length;
  }

  /** Adds an encoded call to run at `eta`. */
  add(data: string, eta: Date): void {
    const entry = { eta: eta.getTime(), data };
    let i = this.#entries.length;
    while (i > 0 && this.#entries[i - 1]!.eta > entry.eta) i--;
    this.#entries.splice(i, 0, entry);
  }

  /** Takes up to `limit` calls due at `now`, earliest first. */
  due(now: Date, limit = Infinity): string[] {
    let count = 0;
    while (count < this.#entries.length && count < limit && this.#entries[count]!.eta <= now.getTime()) count++;
    return this.#entries.splice(0, count).map((entry) => entry.data);
  }

  /** The earliest eta, or `null` when nothing waits. */
  nextEta(): Date | null {
    return this.#entries.length === 0 ? null : new Date(this.#entries[0]!.eta);
  }

  /** Every waiting call, earliest first. */
  commands(): string[] {
    return this.#entries.map((entry) => entry.data);
  }

  /**
   * Loads the schedule saved in the task store, replacing what is in memory.
   * Entries that are not valid messages are skipped and returned.
   *
   * @returns The raw entries that could not be read back.
   * @throws QueueReadException keeping the raw text when the saved schedule is not a JSON list of strings.
   */
  async load(): Promise<string[]> {
    const store = this.#invoker.taskStore;
    if (store === undefined) return [];
    const raw = await (store.peek ?? store.get).call(store, this.#key);
    this.#entries = [];
    if (raw === EmptyData) return [];
    let saved: unknown;
    try {
      saved = JSON.parse(raw);
    } catch (error) {
      throw new QueueReadException(`The saved schedule "${this.#key}" is not JSON: ${(error as Error).message}`, { raw, cause: error });
    }
    if (!Array.isArray(saved) || !saved.every((data) => typeof data === 'string')) {
      throw new QueueReadException(`The saved schedule "${this.#key}" is not a list of messages`, { raw });
    }
    const rejected: string[] = [];
    for (const data of saved as string[]) {
      try {
        const message = decodeMessage(data);
        this.add(data, message.eta ?? new Date(0));
      } catch {
        rejected.push(data);
      }
    }
    return rejected;
  }

  /**
   * Saves the schedule to the task store; a no-op without one.
   *
   * @param running - Calls taken with `due` whose run has not finished: they
   *   stay in the saved copy, so a crash mid-call does not lose them.
   */
  async save(running: string[] = []): Promise<void> {
    await this.#invoker.taskStore?.put(this.#key, JSON.stringify([...running, ...this.commands()]));
  }
}
