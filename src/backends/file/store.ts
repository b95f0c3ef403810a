/**
 * The file result store: one file a key, so `cat` shows a result.
 *
 * @internal
 * @module
 */
import { link, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataStoreGetException, DataStorePutException, QueueException } from '../../exceptions.js';
import { BaseDataStore, EmptyData } from '../base.js';
import {
  isNotFound,
  makeDirs,
  resolveOptions,
  safeName,
  sortableName,
  unlessMissing,
  wrapped,
  type FileDataStoreOptions,
  type ResolvedOptions,
} from './common.js';
import { expired, expiringTail } from './expiry.js';
import { namedAt, valueOf } from './format.js';
import { filePools, writeThrough, type FilePools } from './pools.js';
import { DirectoryWaker } from './waker.js';

const STORE_OPTIONS = ['path', 'fsync', 'watch', 'pollInterval', 'dirMode', 'fileMode', 'pools'] as const;

/**
 * Files of `tmp/` older than this are left by a process that died between two
 * steps (a `put` before its rename, a `get` before its unlink) and are
 * deleted; a live process takes microseconds between the two.
 */
const STALE_TMP_MS = 60_000;
/** After how long a marker of `putIfEmpty` is taken for one left by a client that died: far longer than its few file operations. */
const STALE_MARKER_MS = 5_000;
/** A file of `tmp/` made by `put` or `get`; its name starts with the time it was made (`sortableName`). */
const TMP_FILE = /\.(tmp|taken)$/;

/**
 * A result store in a directory: `<path>/stores/<name>/values/<key>` holds
 * the value of `key`, after a first line that names the message whose
 * result it is (empty after `put`). A `put` writes a temp file and renames it over the
 * key, so a reader sees the old value or the new one, never a part; a `get`
 * renames the key's file away before reading it, so of two processes
 * getting one key at once, exactly one receives the value. A blocking
 * `AsyncData.get` is woken by a watch on the directory.
 *
 * @example
 * ```ts
 * const results = new FileDataStore('results', { path: './huey-data' });
 * const invoker = new Invoker(new FileQueue('tasks', { path: './huey-data' }), { resultStore: results });
 * ```
 */
export class FileDataStore extends BaseDataStore {
  /** The store's directory: `<path>/stores/<name>`. */
  readonly directory: string;
  readonly #options: ResolvedOptions;
  readonly #values: string;
  readonly #tmp: string;
  readonly #waker: DirectoryWaker;
  readonly #pools: FilePools;
  #made: Promise<void> | undefined;

  /**
   * @param name - The store's name: one file name (no `/`, `..`, NUL).
   * @param options - Where the data lives and how it is written; `path` is required.
   * @throws ConfigurationError when the name is not one file name or an option is wrong.
   * @example
   * ```ts
   * const store = new FileDataStore('results', { path: './huey-data' });
   * await store.put('answer', '42');
   * await store.get('answer'); // '42', and the key is gone
   * ```
   */
  constructor(name: string, options: FileDataStoreOptions) {
    safeName('store name', name);
    const resolved = resolveOptions('FileDataStore', options, STORE_OPTIONS);
    super(name, options);
    this.#options = resolved;
    this.directory = join(resolved.path, 'stores', name);
    this.#values = join(this.directory, 'values');
    this.#tmp = join(this.directory, 'tmp');
    this.#waker = new DirectoryWaker(this.#values, resolved.watch, resolved.pollMs);
    this.#pools = filePools(resolved);
  }

  /**
   * Stores `value` under `key`, replacing what was there: the file holds
   * an empty line, then the value.
   *
   * @param key - One file name (no `/`, `..`, NUL).
   * @param value - The value.
   * @returns A promise that settles once the value is in place (and on the disk, with `fsync`).
   * @throws ConfigurationError when the key is not one file name.
   * @throws DataStorePutException when the file cannot be written.
   */
  async put(key: string, value: string, ttlMs?: number): Promise<void> {
    safeName('key', key);
    await wrapped(DataStorePutException, `Could not store key "${key}" in ${this.directory}`, () =>
      this.#withDirs(() => writeThrough(this.#pools, this.#tmp, join(this.#values, key), expiringTail(value, ttlMs), this.#options)),
    );
  }

  /**
   * Stores `value` under `key` only if it holds nothing: the value is
   * written apart, then hard-linked to the key, which fails for every
   * process but one when the key exists. A value whose time to live has
   * passed is removed by one client at a time, the one that links a marker
   * file beside it (a marker left by a client that died is stale after
   * `STALE_MARKER_MS`).
   *
   * @throws ConfigurationError when the key is not one file name.
   * @throws DataStorePutException when the files cannot be written.
   */
  async putIfEmpty(key: string, value: string, ttlMs?: number): Promise<boolean> {
    safeName('key', key);
    return wrapped(DataStorePutException, `Could not store key "${key}" in ${this.directory}`, async () => {
      await this.#ready();
      const target = join(this.#values, key);
      const fresh = join(this.#tmp, `${sortableName()}.new`);
      await writeFile(fresh, expiringTail(value, ttlMs));
      try {
        for (let attempt = 0; attempt < 2; attempt++) {
          if (await unlessExists(link(fresh, target).then(() => true))) return true;
          const text = await unlessMissing<string | undefined>(readFile(target, 'utf8'), undefined);
          if (text !== undefined && !expired(text)) return false;
          if (text === undefined) continue;
          // one client at a time removes an expired value, holding a marker: a value put back after a
          // removal could land beside another's fresh one, and two clients would both have the key
          const marker = join(this.#tmp, `${key}.replacing`);
          if (!(await unlessExists(link(fresh, marker).then(() => true)))) {
            const since = await unlessMissing(stat(marker).then((s) => s.mtimeMs), undefined);
            if (since === undefined || Date.now() - since > STALE_MARKER_MS) await unlessMissing(unlink(marker), undefined);
            else return false; // another client is taking the key
            continue;
          }
          try {
            const now = await unlessMissing<string | undefined>(readFile(target, 'utf8'), undefined);
            if (now !== undefined && !expired(now)) return false;
            if (now !== undefined) await unlessMissing(unlink(target), undefined);
            if (await unlessExists(link(fresh, target).then(() => true))) return true;
          } finally {
            await unlessMissing(unlink(marker), undefined);
          }
        }
        return false;
      } finally {
        await unlessMissing(unlink(fresh), undefined);
      }
    });
  }

  /**
   * The keys that begin with `prefix` and hold a live value.
   *
   * @throws DataStoreGetException when the directory cannot be read.
   */
  async keys(prefix: string): Promise<string[]> {
    return wrapped(DataStoreGetException, `Could not list the keys of ${this.directory}`, async () => {
      await this.#ready();
      const found: string[] = [];
      for (const name of await readdir(this.#values)) {
        if (!name.startsWith(prefix)) continue;
        const text = await unlessMissing<string | undefined>(readFile(join(this.#values, name), 'utf8'), undefined);
        if (text !== undefined && !expired(text)) found.push(name);
      }
      return found;
    });
  }

  /**
   * Reads the value under `key` and deletes it, in one step across processes.
   *
   * @param key - One file name.
   * @returns The value, or {@link EmptyData} when there is none.
   * @throws ConfigurationError when the key is not one file name.
   * @throws DataStoreGetException when the file cannot be read.
   */
  async get(key: string): Promise<string | typeof EmptyData> {
    safeName('key', key);
    return wrapped(DataStoreGetException, `Could not get key "${key}" from ${this.directory}`, async () => {
      await this.#ready();
      // renaming the file away first is the claim: of two getters, one rename succeeds
      const taken = join(this.#tmp, `${sortableName()}.taken`);
      const claimed = await unlessMissing(rename(join(this.#values, key), taken).then(() => true), false);
      if (!claimed) return EmptyData;
      const text = await readFile(taken, 'utf8');
      await this.#pools.give(taken);
      return expired(text) ? EmptyData : valueOf(text);
    });
  }

  /**
   * Reads the value under `key` without deleting it.
   *
   * @param key - One file name.
   * @returns The value, or {@link EmptyData} when there is none.
   * @throws ConfigurationError when the key is not one file name.
   * @throws DataStoreGetException when the file cannot be read.
   */
  async peek(key: string): Promise<string | typeof EmptyData> {
    safeName('key', key);
    return wrapped(DataStoreGetException, `Could not peek at key "${key}" in ${this.directory}`, async () => {
      await this.#ready();
      return unlessMissing<string | typeof EmptyData>(readFile(join(this.#values, key), 'utf8').then((text) => (expired(text) ? EmptyData : valueOf(text))), EmptyData);
    });
  }

  /**
   * Waits until `key` holds a value, woken by a watch on the store's directory.
   *
   * @param key - One file name.
   * @param timeoutMs - The longest wait.
   * @returns `true` once the key holds a value, `false` after the timeout or when the store is closed.
   * @throws ConfigurationError when the key is not one file name.
   * @throws DataStoreGetException when the directory cannot be read.
   */
  async wait(key: string, timeoutMs: number): Promise<boolean> {
    safeName('key', key);
    const file = join(this.#values, key);
    return wrapped(DataStoreGetException, `Could not wait for key "${key}" in ${this.directory}`, async () => {
      await this.#ready();
      const look = async (): Promise<true | undefined> => ((await unlessMissing(stat(file).then(() => true), false)) ? true : undefined);
      return (await this.#waker.until(look, timeoutMs)) ?? false;
    });
  }

  /**
   * Removes every key, and the files a process that died mid-`put` or
   * mid-`get` left in `tmp/`.
   *
   * @returns A promise that settles once the values are deleted.
   * @throws QueueException when the directory cannot be read.
   */
  async flush(): Promise<void> {
    await wrapped(QueueException, `Could not flush ${this.directory}`, async () => {
      for (const key of await this.#withDirs(() => readdir(this.#values))) await unlessMissing(unlink(join(this.#values, key)), undefined);
      await this.#removeStale();
    });
  }

  /**
   * Stops the directory watch; waiting `wait` calls answer.
   *
   * @returns A promise that settles at once.
   */
  async close(): Promise<void> {
    this.#waker.close();
    this.#pools.close();
  }

  /**
   * The file that holds the value of `key`, the store's directories made:
   * `FileQueue.finish` renames a finished message's file to it.
   *
   * @param key - One file name.
   * @returns The file's path.
   * @throws ConfigurationError when the key is not one file name.
   * @throws DataStorePutException when the directories cannot be made.
   */
  async valueFile(key: string): Promise<string> {
    safeName('key', key);
    await wrapped(DataStorePutException, `Could not make the directories of ${this.directory}`, () => this.#ready());
    return join(this.#values, key);
  }

  /**
   * Runs `work` once the directories exist. The directories are made once,
   * at the first use; when `work` finds them gone (someone removed the
   * folder), they are made again and `work` runs once more.
   */
  async #withDirs<T>(work: () => Promise<T>): Promise<T> {
    await this.#ready();
    try {
      return await work();
    } catch (error) {
      if (!isNotFound(error)) throw error;
      this.#made = undefined;
      await this.#ready();
      return work();
    }
  }

  /** Makes the directories and removes stale temp files, once, at the first use. */
  #ready(): Promise<void> {
    this.#made ??= makeDirs(this.#options.dirMode, this.#options.path, ...this.#pools.dirs, this.#values, this.#tmp)
      .then(() => this.#removeStale())
      .catch((error: unknown) => {
        this.#made = undefined;
        throw error;
      });
    return this.#made;
  }

  /** Deletes the files of `tmp/` made more than a minute ago, by the time their names start with. */
  async #removeStale(): Promise<void> {
    const cutoff = Date.now() - STALE_TMP_MS;
    for (const name of await readdir(this.#tmp)) {
      const made = TMP_FILE.test(name) ? namedAt(name) : undefined;
      if (made !== undefined && made < cutoff) await unlessMissing(unlink(join(this.#tmp, name)), undefined);
    }
  }

  /**
   * Counts the values (results waiting to be read), for `huey info`.
   *
   * @throws QueueException when the directory cannot be read.
   */
  async count(): Promise<number> {
    return wrapped(QueueException, `Could not list ${this.#values}`, async () => (await this.#withDirs(() => readdir(this.#values))).length);
  }
}

/** Runs a hard link: `false` when its target exists already. */
async function unlessExists(linking: Promise<boolean>): Promise<boolean> {
  try {
    return await linking;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
