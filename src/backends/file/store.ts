/**
 * The file result store: one file a key, so `cat` shows a result.
 *
 * @internal
 * @module
 */
import { readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DataStoreGetException, DataStorePutException, QueueException } from '../../exceptions.js';
import { BaseDataStore, EmptyData } from '../base.js';
import {
  DirectoryWaker,
  makeDirs,
  resolveOptions,
  safeName,
  sortableName,
  unlessMissing,
  wrapped,
  writeAtomically,
  type FileDataStoreOptions,
  type ResolvedOptions,
} from './common.js';

const STORE_OPTIONS = ['path', 'fsync', 'watch', 'pollInterval', 'dirMode', 'fileMode'] as const;

/**
 * A result store in a directory: `<path>/stores/<name>/values/<key>` holds
 * the value of `key`. A `put` writes a temp file and renames it over the
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
  #made: Promise<void> | undefined;
  #closed = false;

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
  }

  /**
   * Stores `value` under `key`, replacing what was there.
   *
   * @param key - One file name (no `/`, `..`, NUL).
   * @param value - The value.
   * @returns A promise that settles once the value is in place (and on the disk, with `fsync`).
   * @throws ConfigurationError when the key is not one file name.
   * @throws DataStorePutException when the file cannot be written.
   */
  async put(key: string, value: string): Promise<void> {
    safeName('key', key);
    await wrapped(DataStorePutException, `Could not store key "${key}" in ${this.directory}`, async () => {
      await this.#ready();
      await writeAtomically(this.#tmp, join(this.#values, key), value, this.#options);
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
      const value = await readFile(taken, 'utf8');
      await unlink(taken);
      return value;
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
    return wrapped(DataStoreGetException, `Could not peek at key "${key}" in ${this.directory}`, () =>
      unlessMissing<string | typeof EmptyData>(readFile(join(this.#values, key), 'utf8'), EmptyData),
    );
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
    const deadline = Date.now() + timeoutMs;
    return wrapped(DataStoreGetException, `Could not wait for key "${key}" in ${this.directory}`, async () => {
      await this.#ready();
      this.#waker.start();
      for (;;) {
        const seen = this.#waker.generation;
        if (await unlessMissing(stat(file).then(() => true), false)) return true;
        const left = deadline - Date.now();
        if (left <= 0 || this.#closed) return false;
        await this.#waker.wait(seen, left);
      }
    });
  }

  /**
   * Removes every key.
   *
   * @returns A promise that settles once the values are deleted.
   * @throws QueueException when the directory cannot be read.
   */
  async flush(): Promise<void> {
    await wrapped(QueueException, `Could not flush ${this.directory}`, async () => {
      await this.#ready();
      for (const key of await readdir(this.#values)) await unlessMissing(unlink(join(this.#values, key)), undefined);
    });
  }

  /**
   * Stops the directory watch; waiting `wait` calls answer.
   *
   * @returns A promise that settles at once.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#waker.close();
  }

  #ready(): Promise<void> {
    this.#made ??= makeDirs(this.#options.dirMode, this.#options.path, this.#values, this.#tmp).catch((error: unknown) => {
      this.#made = undefined;
      throw error;
    });
    return this.#made;
  }

  /**
   * Counts the values (results waiting to be read), for `huey info`.
   *
   * @throws QueueException when the directory cannot be read.
   */
  async count(): Promise<number> {
    return wrapped(QueueException, `Could not list ${this.#values}`, async () => {
      await this.#ready();
      return (await readdir(this.#values)).length;
    });
  }
}
