/**
 * Blank files made ahead, so that a write does not wait for a new inode.
 * Creating a file is the slowest step of a write (see `spares.ts`), and
 * its time is mostly waiting on the file system, not work: one process
 * creating one file at a time gets 1–2 thousand a second here while other
 * processes create files, and eight creations at once get several times
 * that. So a writer keeps a few empty files of its own in `tmp/`, made
 * several at a time through libuv's threads while it writes; a write fills
 * one and renames it into place, as it would a file it had just created.
 * A reader still sees a message only once its file is complete (the rename
 * is the commit), and nothing changes for claims and acknowledgements.
 *
 * The blanks are made after the first write (a producer that never writes
 * makes none), as many as the writes need: one after the first write, and
 * twice as many whenever a write finds none made, up to {@link POOL}.
 * `close()` deletes those left. A process that dies leaves at most that
 * many empty files in `tmp/`, which recovery removes once they are a
 * minute old, as it does any other stale temp file; a blank removed that
 * way is simply skipped.
 *
 * One of the two pools behind `pools.ts`, which `pools: false` turns off.
 *
 * @internal
 * @module
 */
import { close, closeSync, open, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isNotFound, sortableName } from './common.js';
import { namedAt } from './format.js';

/** Blank files asked for and not used: enough creations in flight to keep up with a writer that never waits. */
const POOL = 64;
/** A blank still missing this long after it was asked for failed, or was swept as stale: it is forgotten. */
const GIVE_UP_MS = 1000;

/** One queue object's blank files in its `tmp/` directory. */
export class Blanks {
  readonly #dir: string;
  readonly #mode: number;
  /**
   * Names of the blanks asked for and not used, oldest first. A name is
   * used once its file exists, without waiting for the creation's callback:
   * a writer awaiting only promises that resolve at once never lets the
   * event loop run those callbacks, while the threads go on creating.
   */
  readonly #names: string[] = [];
  #next = 0;
  /** How many blanks to keep asked for: doubled whenever a write finds none made, so a writer of a few messages makes a few. */
  #target = 0;
  /**
   * Creations whose callback has not run: each holds a file descriptor
   * until it does, and a writer that never lets the event loop turn never
   * runs them. Capped at {@link POOL}, so such a writer holds at most that
   * many descriptors (it creates its own files meanwhile) instead of
   * running out of them.
   */
  #opening = 0;
  #closed = false;

  /**
   * @param tmpDir - The `tmp/` directory the writes go through.
   * @param mode - The mode of the files this object writes.
   */
  constructor(tmpDir: string, mode: number) {
    this.#dir = tmpDir;
    this.#mode = mode;
  }

  /**
   * Writes `data` to `target` through a blank file: fills it, then renames
   * it to `target`. Asks for more blanks.
   *
   * @param target - The final path, in the same file system as `tmp/`.
   * @param data - The content.
   * @returns `true` when `target` holds `data`; `false` when no blank is
   *   made yet, or the one taken could not be used (it is deleted): the
   *   caller then creates a file, which reports a real error.
   */
  write(target: string, data: string): boolean {
    try {
      for (;;) {
        const blank = this.#names[this.#next];
        if (blank === undefined) {
          // writes come faster than blanks: ask for more ahead, up to POOL
          this.#target = Math.min(POOL, Math.max(1, this.#target * 2));
          return false;
        }
        const filled = this.#fillBlank(blank, target, data);
        if (filled !== 'missing') {
          this.#next++;
          return filled;
        }
        // not made yet (the caller creates a file meanwhile), or never: its creation failed, or it was swept as stale
        if (Date.now() - (namedAt(basename(blank)) ?? 0) < GIVE_UP_MS) {
          this.#target = Math.min(POOL, this.#target * 2);
          return false;
        }
        this.#next++;
      }
    } finally {
      this.#fill();
    }
  }

  /** Fills `blank` with `data` and renames it to `target`; `'missing'` when it does not exist (yet). */
  #fillBlank(blank: string, target: string, data: string): boolean | 'missing' {
    let fd: number;
    try {
      fd = openSync(blank, 'r+');
    } catch (error) {
      return isNotFound(error) ? 'missing' : false;
    }
    try {
      writeSync(fd, data);
    } catch {
      closeSync(fd);
      unlinkIfThere(blank);
      return false;
    }
    closeSync(fd);
    try {
      renameSync(blank, target);
      return true;
    } catch {
      unlinkIfThere(blank);
      return false;
    }
  }

  /** Deletes the blanks not used; those still being made are deleted as their creation ends. */
  close(): void {
    this.#closed = true;
    for (const blank of this.#names.splice(0).slice(this.#next)) unlinkIfThere(blank);
    this.#next = 0;
  }

  /** Asks for blanks until the target number (at most {@link POOL}) are asked for and not used. */
  #fill(): void {
    if (this.#closed) return;
    if (this.#next > POOL) {
      this.#names.splice(0, this.#next);
      this.#next = 0;
    }
    while (this.#names.length - this.#next < this.#target && this.#opening < POOL) {
      const file = join(this.#dir, `${sortableName()}.blank`);
      this.#names.push(file);
      this.#opening++;
      open(file, 'wx', this.#mode, (error, fd) => {
        this.#opening--;
        // a failed creation leaves no file: its name is forgotten once it is old, and writes create their own
        if (error === null) close(fd, () => (this.#closed ? unlinkIfThere(file) : undefined));
      });
    }
  }
}

function unlinkIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    // gone already, or not ours to remove: the tmp/ sweep takes it
    void error;
  }
}
