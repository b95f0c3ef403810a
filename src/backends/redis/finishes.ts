/**
 * The finishes of one Redis queue object, sent together. Under a backlog
 * at THREADS 50, one burst of replies runs many calls in the same turn of
 * the event loop; their finishes (store the result, acknowledge the
 * message, claim the slot's next message) then go to Redis as one run of
 * the `finish` script: one write, one script, one reply, instead of one of
 * each per call. A lone finish (THREADS 1) goes out as soon as the turn
 * ends.
 *
 * @internal
 * @module
 */
import type { ResultWrite } from './store.js';

/** One call's finish. */
export interface Finish {
  /** The result's key and the script's arguments that store it. */
  result: ResultWrite;
  /** The call's message, exactly as read. */
  data: string;
  /** How many messages to claim for the slot it frees (0: none). */
  count: number;
}

/** Sends finishes in one script; resolves to the messages claimed, oldest first. */
export type SendFinishes = (finishes: readonly Finish[]) => Promise<string[]>;

interface Waiting {
  finish: Finish;
  resolve: (claimed: string[]) => void;
  reject: (error: unknown) => void;
}

/** Gathers the finishes of one turn of the event loop and sends them together. */
export class Finishes {
  readonly #send: SendFinishes;
  #waiting: Waiting[] = [];

  /** @param send - Runs the `finish` script for a batch. */
  constructor(send: SendFinishes) {
    this.#send = send;
  }

  /**
   * Adds a finish to this turn's batch.
   *
   * @returns The messages claimed for it (at most its `count`); rejects with the batch's error.
   */
  add(finish: Finish): Promise<string[]> {
    // a tick queued from a promise job runs once the promise jobs are done: every call that a burst of replies ran is in
    if (this.#waiting.length === 0) process.nextTick(() => void this.#flush());
    return new Promise((resolve, reject) => this.#waiting.push({ finish, resolve, reject }));
  }

  async #flush(): Promise<void> {
    const batch = this.#waiting;
    this.#waiting = [];
    try {
      const claimed = await this.#send(batch.map((waiting) => waiting.finish));
      let next = 0;
      for (const { finish, resolve } of batch) {
        resolve(claimed.slice(next, next + finish.count));
        next += finish.count;
      }
    } catch (error) {
      for (const { reject } of batch) reject(error);
    }
  }
}
