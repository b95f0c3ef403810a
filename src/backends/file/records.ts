/**
 * The records of a file queue, in `<queue directory>/records/`:
 *
 * - `history.log`, one JSON line a finished call (one `O_APPEND` write a
 *   batch, so lines of several processes do not interleave), rotated to
 *   `history.log.1` once it holds the `keep` lines asked for: the two files
 *   hold at least the newest `keep` entries and never much more than twice
 *   that;
 * - `counters/<consumer>.json`, each queue object's own totals, replaced
 *   whole (written aside, then renamed) after each batch. One writer a file
 *   needs no lock; a reader adds up every file, so the counters of
 *   consumers that stopped still count.
 *
 * @internal
 * @module
 */
import { appendFile, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { QueueReadException, QueueWriteException } from '../../exceptions.js';
import { addCounts, type Records } from '../records.js';
import { makeDirs, unlessMissing, wrapped, writeAtomically, type ResolvedOptions } from './common.js';

export class FileRecords implements Records {
  readonly #dir: string;
  readonly #tmp: string;
  readonly #id: string;
  readonly #options: ResolvedOptions;
  readonly #totals = new Map<string, number>();
  /** Lines appended by this object since it last counted the lines of `history.log`. */
  #sinceCount = 0;
  #made = false;

  /**
   * @param dir - `<queue directory>/records`.
   * @param tmp - The queue's `tmp/`, where counters are written before the rename.
   * @param consumerId - This queue object's id: its counters file's name.
   * @param options - The queue's file modes and `fsync`.
   */
  constructor(dir: string, tmp: string, consumerId: string, options: ResolvedOptions) {
    this.#dir = dir;
    this.#tmp = tmp;
    this.#id = consumerId;
    this.#options = options;
  }

  async record(entries: readonly string[], counts: ReadonlyMap<string, number>, keep: number): Promise<void> {
    await wrapped(QueueWriteException, `Could not write the records in ${this.#dir}`, async () => {
      if (!this.#made) await makeDirs(this.#options.dirMode, this.#dir, join(this.#dir, 'counters'), this.#tmp);
      this.#made = true;
      if (entries.length > 0) await this.#append(entries, keep);
      if (counts.size === 0) return;
      addCounts(this.#totals, counts);
      await writeAtomically(this.#tmp, join(this.#dir, 'counters', `${this.#id}.json`), JSON.stringify(Object.fromEntries(this.#totals)), this.#options);
    });
  }

  async history(limit: number): Promise<string[]> {
    return wrapped(QueueReadException, `Could not read the history in ${this.#dir}`, async () => {
      const file = join(this.#dir, 'history.log');
      const text = (await unlessMissing(readFile(`${file}.1`, 'utf8'), '')) + (await unlessMissing(readFile(file, 'utf8'), ''));
      // a line still being written has no newline yet: only complete lines count
      const lines = text.split('\n').slice(0, -1).filter((line) => line !== '');
      return lines.slice(Math.max(0, lines.length - limit)).reverse();
    });
  }

  async counters(): Promise<Map<string, number>> {
    return wrapped(QueueReadException, `Could not read the counters in ${this.#dir}`, async () => {
      const dir = join(this.#dir, 'counters');
      const totals = new Map<string, number>();
      for (const name of await unlessMissing(readdir(dir), [])) {
        if (!name.endsWith('.json')) continue;
        const text = await unlessMissing(readFile(join(dir, name), 'utf8'), '{}');
        addCounts(totals, new Map(Object.entries(JSON.parse(text) as Record<string, number>)));
      }
      return totals;
    });
  }

  async #append(entries: readonly string[], keep: number): Promise<void> {
    const file = join(this.#dir, 'history.log');
    await appendFile(file, `${entries.join('\n')}\n`, { mode: this.#options.fileMode });
    this.#sinceCount += entries.length;
    // counting the lines reads the file: done once a quarter of `keep` was appended here, not at each batch
    if (this.#sinceCount < Math.max(1, keep / 4)) return;
    this.#sinceCount = 0;
    const text = await unlessMissing(readFile(file, 'utf8'), '');
    let lines = 0;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines++;
    if (lines >= keep) await unlessMissing(rename(file, `${file}.1`), undefined);
  }
}
