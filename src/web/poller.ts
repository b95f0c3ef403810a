/**
 * One poller for every open page: it looks at the backend at most once a
 * second, and only while at least one page listens, and hands each look to
 * every listener. Ten open pages cost the backend what one does.
 *
 * @internal
 * @module
 */
import type { Backends } from '../observe/inspection.js';
import { takeSnapshot, Throughput, type Snapshot } from './snapshot.js';

/** What a listener receives: a look, or why the backend could not be looked at. */
export type Look = { snapshot: Snapshot } | { error: string; at: Date };

/** How often the poller looks while somebody listens. */
export const POLL_INTERVAL_MS = 1000;

export class Poller {
  readonly #backends: Backends;
  readonly #listeners = new Set<(look: Look) => void>();
  readonly #throughput = new Throughput();
  #last: Look | undefined;
  #running = false;
  #closed = false;
  #wake: (() => void) | undefined;

  /** @param backends - The queue and result store to look at. */
  constructor(backends: Backends) {
    this.#backends = backends;
  }

  /**
   * Adds a listener: it gets the latest look at once (when there is one)
   * and every look after.
   *
   * @returns A function that removes it; the poller stops once nobody listens.
   */
  listen(listener: (look: Look) => void): () => void {
    this.#listeners.add(listener);
    if (this.#last !== undefined) listener(this.#last);
    if (!this.#running && !this.#closed) void this.#loop();
    return () => this.#listeners.delete(listener);
  }

  /** Stops polling; resolves at once (a look under way ends unheard). */
  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    this.#wake?.();
  }

  async #loop(): Promise<void> {
    this.#running = true;
    try {
      while (this.#listeners.size > 0 && !this.#closed) {
        const started = Date.now();
        this.#last = await this.#look(new Date(started));
        if (this.#closed) return;
        for (const listener of this.#listeners) listener(this.#last);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, started + POLL_INTERVAL_MS - Date.now()));
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      this.#running = false;
      // an old look is not news for the next page: it gets a fresh one
      this.#last = undefined;
      this.#throughput.forget();
    }
  }

  async #look(now: Date): Promise<Look> {
    try {
      return { snapshot: await takeSnapshot(this.#backends, this.#throughput, now) };
    } catch (error) {
      return { error: (error as Error).message.split('\n')[0] ?? String(error), at: now };
    }
  }
}
