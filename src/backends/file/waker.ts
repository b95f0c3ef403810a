/**
 * The directory watch that wakes blocked readers: `fs.watch` while it
 * works, polling when it does not.
 *
 * @internal
 * @module
 */
import { watch, type FSWatcher } from 'node:fs';

/**
 * Wakes waiters when a directory changes: `fs.watch` while it works,
 * polling every `pollMs` when watching is off or not available. A reader
 * starts the watch, takes {@link generation}, looks at the directory, and
 * waits for the generation to change: a change between the look and the
 * wait is never missed. A busy reader stops the watch, so a queue that is
 * never empty costs no change events.
 */
export class DirectoryWaker {
  readonly #dir: string;
  readonly #pollMs: number;
  #watcher: FSWatcher | undefined;
  #polling: boolean;
  #generation = 0;
  #waiters = new Set<() => void>();
  #closed = false;

  /**
   * @param dir - The directory to watch; it must exist before the first {@link start}.
   * @param watchIt - Whether to try `fs.watch` at all.
   * @param pollMs - The polling period when not watching.
   */
  constructor(dir: string, watchIt: boolean, pollMs: number) {
    this.#dir = dir;
    this.#pollMs = pollMs;
    this.#polling = !watchIt;
  }

  /** Counts the changes seen so far. */
  get generation(): number {
    return this.#generation;
  }

  /** `true` when the waker polls instead of watching. */
  get polling(): boolean {
    return this.#polling;
  }

  /** `true` while changes are seen: watching, or polling (every wait then ends after `pollMs`). */
  get active(): boolean {
    return this.#polling || this.#watcher !== undefined;
  }

  /** Starts watching, once; falls back to polling when the platform refuses. */
  start(): void {
    if (this.#closed || this.active) return;
    try {
      // persistent: false, so a watch alone never keeps the process running
      this.#watcher = watch(this.#dir, { persistent: false }, () => this.#changed());
      this.#watcher.on('error', () => this.#fallBack());
    } catch {
      // ENOSPC (inotify limit) or a file system without change events: polling still works
      this.#fallBack();
    }
  }

  /**
   * Waits until the directory changed since `seen`, `ms` passed, or the waker was closed.
   *
   * @param seen - {@link generation} as read before the caller's last look.
   * @param ms - The longest wait.
   */
  wait(seen: number, ms: number): Promise<void> {
    if (this.#closed || this.#generation !== seen || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.#polling ? Math.min(ms, this.#pollMs) : ms);
      this.#waiters.add(done);
    });
  }

  /**
   * Looks until `look` finds something: looks once; when it finds nothing,
   * starts the watch, looks again (a change between a look and the wait is
   * never missed) and waits for a change, until `timeoutMs` has passed.
   * Once something is found the watch is paused: a busy reader need not be
   * woken by every change until it finds nothing again.
   *
   * @param look - One look; `undefined` when there is nothing (yet).
   * @param timeoutMs - The longest wait.
   * @returns What `look` found, or `undefined` after the timeout or once the waker is closed.
   */
  async until<T>(look: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#closed) return undefined;
      const seen = this.#generation;
      const found = await look();
      if (found !== undefined) {
        this.pause();
        return found;
      }
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      if (!this.active) {
        this.start();
        continue;
      }
      await this.wait(seen, left);
    }
  }

  /** Stops watching until the next {@link start}, unless someone waits. */
  pause(): void {
    if (this.#waiters.size > 0 || this.#watcher === undefined) return;
    this.#watcher.close();
    this.#watcher = undefined;
  }

  /** Stops watching for good and wakes every waiter. */
  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#changed();
  }

  #fallBack(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#polling = true;
    this.#changed();
  }

  #changed(): void {
    this.#generation++;
    for (const wake of [...this.#waiters]) wake();
  }
}
