/**
 * Spare files: the files of messages and values that are done with are
 * kept in `<path>/spare/` instead of being deleted, and a writer fills one
 * instead of creating a file. Creating a file makes an inode, the slowest
 * thing a file system does here, and the most variable: 0.1 ms on an idle
 * machine, 0.5–1.5 ms while other processes create files (the kernel makes
 * about a thousand a second for the whole machine, whatever the
 * concurrency). Filling a spare is five calls of 10–40 µs each.
 *
 * A spare holds stale bytes until it is filled again (overwritten, then
 * cut to the new length). There are at most {@link SPARE_SLOTS} of them: a file given
 * to a slot that holds one replaces it, and the kernel deletes the older
 * file. Taking one is a rename out of `spare/`: of several writers, one
 * gets it.
 *
 * Filling a spare uses synchronous calls, for the reason the consumer's
 * claim does (see `claims.ts`): five trips through libuv's pool of 4
 * threads, each 50–100 µs and waiting behind the producer's other file work
 * (a `get` is six), cost more than blocking the event loop for the 150–200
 * µs the calls take. Measured here, at 200 calls a second with each result
 * read: the enqueue p50 went from 1.3–1.8 ms to 0.9–1.0 ms.
 *
 * One of the two pools behind `pools.ts`, which `pools: false` turns off.
 *
 * @internal
 * @module
 */
import { closeSync, existsSync, fchmodSync, ftruncateSync, openSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound, unlessMissing } from './common.js';

/** The most spare files kept under one `path`: enough for a burst, and at most a few hundred KB of disk. */
export const SPARE_SLOTS = 128;
/** A writer that found `spare/` empty looks again after this long, not at every write. */
const EMPTY_RETRY_MS = 100;
/** A spare's name is its slot number: nothing else in `spare/` (and no directory) is ever taken. */
const SLOT = /^\d+$/;

/** One queue or store object's access to the spare files under its `path`. */
export class Spares {
  /** The directory: `<path>/spare`. */
  readonly dir: string;
  /** Names of `spare/` from one listing, taken in order. */
  #listing: string[] = [];
  #next = 0;
  #listedEmptyAt = -Infinity;
  /** The next slot to give to; processes start at different ones. */
  #slot = Math.floor(Math.random() * SPARE_SLOTS);

  /**
   * @param path - The `path` option of the queue or store.
   */
  constructor(path: string) {
    this.dir = join(path, 'spare');
  }

  /**
   * Keeps `file` as a spare instead of deleting it: its content is no
   * longer needed and no one else can reach it (a value taken by `get`, an
   * acknowledged claim). Deleted instead when it cannot be moved there.
   *
   * @param file - The file to give; gone afterwards.
   */
  async give(file: string): Promise<void> {
    this.#slot = (this.#slot + 1) % SPARE_SLOTS;
    try {
      await rename(file, join(this.dir, String(this.#slot)));
    } catch {
      // gone already (a recoverer moved it), or spare/ cannot take it (removed, another file system): delete it as before
      await unlessMissing(unlink(file), undefined);
    }
  }

  /**
   * Writes `data` to `target` through a spare file: takes one by renaming it
   * to `tmp`, gives it `mode`, overwrites it with `data` and cuts it to that
   * length, and renames it to `target`.
   *
   * @param tmp - A new name in a `tmp/` directory under the same `path`.
   * @param target - The final path.
   * @param data - The content.
   * @param mode - The file mode the writer's own files get.
   * @returns `true` when `target` holds `data`; `false` when there was no
   *   spare, or the one taken could not be opened (another user's, say) and
   *   was deleted: the caller then creates a file.
   * @throws Error from the final rename, the spare deleted.
   */
  write(tmp: string, target: string, data: string, mode: number): boolean {
    if (!this.#take(tmp)) return false;
    let fd: number | undefined;
    try {
      // not O_TRUNC: freeing the old bytes' block and taking a new one costs more than all the rest (0.5 ms
      // under load); the new bytes overwrite the old ones and the file is cut to their length, in the same block
      fd = openSync(tmp, 'r+');
      // its creator may have used another fileMode
      fchmodSync(fd, mode);
      const bytes = Buffer.from(data);
      writeFileSync(fd, bytes);
      ftruncateSync(fd, bytes.length);
    } catch {
      // not ours to fill: the caller creates a file instead
      if (fd !== undefined) closeSync(fd);
      unlinkIfThere(tmp);
      return false;
    }
    closeSync(fd);
    try {
      renameSync(tmp, target);
    } catch (error) {
      unlinkIfThere(tmp);
      throw error;
    }
    return true;
  }

  /** Renames a spare to `target`; `false` when there is none. */
  #take(target: string): boolean {
    for (;;) {
      if (this.#next >= this.#listing.length) {
        if (Date.now() - this.#listedEmptyAt < EMPTY_RETRY_MS) return false;
        this.#listing = listSlots(this.dir);
        this.#next = 0;
        if (this.#listing.length === 0) {
          this.#listedEmptyAt = Date.now();
          return false;
        }
      }
      const spare = join(this.dir, this.#listing[this.#next++]!);
      try {
        renameSync(spare, target);
        return true;
      } catch (error) {
        // ENOENT: another writer took it first, or the target's folder is gone (the caller's write makes it again);
        // anything else (spare/ on another file system, say): create files for a while
        if (isNotFound(error) && existsSync(spare)) return false;
        if (!isNotFound(error)) {
          this.#listing = [];
          this.#listedEmptyAt = Date.now();
          return false;
        }
      }
    }
  }
}

/** The spare files of `dir` (slot names, files only); none when it cannot be read. */
function listSlots(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && SLOT.test(entry.name))
      .map((entry) => entry.name);
  } catch {
    // missing or unreadable: no spares, the writer creates files as it would without them
    return [];
  }
}

function unlinkIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
