/**
 * The file backend's speed tricks, behind one interface: files made ahead,
 * so that a write seldom waits for the file system to create one. Creating
 * a file (an inode) is the slowest and most variable step of a write,
 * 0.1–1.5 ms, where filling a file that exists costs 0.1–0.3 ms. Two pools
 * feed the writes:
 *
 * - spare files (`spares.ts`): the files of acknowledged messages and of
 *   values read are kept in `<path>/spare/` instead of being deleted;
 * - blank files (`blanks.ts`): empty files a writer creates in `tmp/`,
 *   several at a time, while it writes.
 *
 * What they buy, measured on a 2-core VM (ext4, Node 20, other test runs
 * loading it: medians of 5–7 runs, pools on and off alternating):
 * - one call at a time, written, read, finished and its result read (so
 *   each write fills the file the last `get` gave): 1,900–2,300 calls/s
 *   with the pools, 1,300–2,000 without (+15–50%); at 200 calls/s with
 *   each result read, the enqueue p50 went from 1.3–1.8 ms to 0.9–1.0 ms
 *   (`spares.ts`);
 * - 20,000 enqueues, then a drain by a consumer of 50 threads that
 *   stores each result (`finish`): 5,800–10,200 enqueues/s and
 *   5,500–9,100 calls/s with the pools, 4,500–9,700 and 5,500–8,800
 *   without, no difference above the noise: bulk writes find no spare,
 *   and nothing else created files at the same time;
 * - a drain acknowledged by `ack` (calls whose result is not stored):
 *   3,900 calls/s with the pools, 6,500 without. Giving a file to
 *   `spare/` renames it over an older spare, which costs more than an
 *   unlink (2,000–5,000 a second here, against 8,000–13,600).
 *
 * The plain protocol is the same either way: a write is a file in `tmp/`
 * renamed into place, and an acknowledgement takes the file out of the
 * claims.
 *
 * `pools: false` (an option of `FileQueue` and `FileDataStore`) gives
 * {@link NO_POOLS}: every write creates its file, every file done with is
 * deleted, and nothing is made ahead.
 *
 * @internal
 * @module
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Blanks } from './blanks.js';
import { sortableName, unlessMissing, writeAtomically } from './common.js';
import { Spares } from './spares.js';

/** Where a queue or store object gets the files it writes, and where the files it is done with go. */
export interface FilePools {
  /** The directories the pools keep files in, made with the object's own. */
  readonly dirs: readonly string[];
  /**
   * Takes a file made ahead, fills it with `data` and renames it to
   * `target`.
   *
   * @param tmpDir - The writer's `tmp/` directory, on the file system of `target`.
   * @returns `false` when no file made ahead was at hand: the caller creates one.
   * @throws Error from the final rename.
   */
  take(tmpDir: string, target: string, data: string): boolean;
  /**
   * Takes a file whose content is no longer needed and that no one else
   * can reach (an acknowledged claim, a value read): kept for a later
   * write, or deleted.
   */
  give(file: string): Promise<void>;
  /** Deletes what was made ahead and not used. */
  close(): void;
}

/** No pools: every write creates its file and every file done with is unlinked, as the plain protocol says. */
export const NO_POOLS: FilePools = {
  dirs: [],
  take: () => false,
  give: (file) => unlessMissing(unlink(file), undefined),
  close: () => undefined,
};

/** The spare files under a `path`, and for a queue the blank files of its `tmp/`. */
class MadeAhead implements FilePools {
  readonly dirs: readonly string[];
  readonly #spares: Spares;
  readonly #blanks: Blanks | undefined;
  readonly #mode: number;

  constructor(path: string, mode: number, blanksDir: string | undefined) {
    this.#spares = new Spares(path);
    this.#blanks = blanksDir === undefined ? undefined : new Blanks(blanksDir, mode);
    this.#mode = mode;
    this.dirs = [this.#spares.dir];
  }

  take(tmpDir: string, target: string, data: string): boolean {
    // a spare first: it costs no creation at all, and its blocks are already allocated
    if (this.#spares.write(join(tmpDir, `${sortableName()}.tmp`), target, data, this.#mode)) return true;
    return this.#blanks?.write(target, data) === true;
  }

  give(file: string): Promise<void> {
    return this.#spares.give(file);
  }

  close(): void {
    this.#blanks?.close();
  }
}

/**
 * The pools of one queue or store object.
 *
 * @param options - `pools` (off gives {@link NO_POOLS}), the `path` the spare files live under, and the mode of the files written.
 * @param blanksDir - For a queue, the `tmp/` directory its blank files are made in. A store makes none: its values
 *   mostly arrive through `FileQueue.finish`, which creates no file.
 */
export function filePools(options: { pools: boolean; path: string; fileMode: number }, blanksDir?: string): FilePools {
  return options.pools ? new MadeAhead(options.path, options.fileMode, blanksDir) : NO_POOLS;
}

/**
 * Writes `data` to `target` atomically (`common.ts` → `writeAtomically`),
 * through a file made ahead when the pools have one. Not with fsync: the
 * flush to the disk then costs more than the creation of a file.
 */
export async function writeThrough(pools: FilePools, tmpDir: string, target: string, data: string, options: { fileMode: number; fsync: boolean }): Promise<void> {
  if (!options.fsync && pools.take(tmpDir, target, data)) return;
  await writeAtomically(tmpDir, target, data, options);
}
