/**
 * Helpers shared by the file queue and the file result store: options and
 * their defaults, safe names, unique sortable file names and atomic writes.
 *
 * @internal
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigurationError, QueueException } from '../../exceptions.js';
import { expected, knownKeys } from '../../core/validate.js';

/** Options of both the file queue and the file result store. */
export interface FileOptions {
  /** The directory holding every queue and store; created (0700) when missing. */
  path: string;
  /**
   * Flush each written file and its directory to the disk before the write
   * resolves, so a message survives a power loss, not only a crash of the
   * process. Costs a disk flush (milliseconds on most disks) per write.
   *
   * @defaultValue `false`
   */
  fsync?: boolean;
  /**
   * Wake blocked readers with a directory watch (`fs.watch`). Turn it off on
   * file systems where watching does not see other machines' writes (NFS);
   * readers then poll every `pollInterval`.
   *
   * @defaultValue `true`
   */
  watch?: boolean;
  /**
   * Seconds between two looks at the directory when it is not watched.
   *
   * @defaultValue `0.1`
   */
  pollInterval?: number;
  /**
   * Mode of the directories created.
   *
   * @defaultValue `0o700`
   */
  dirMode?: number;
  /**
   * Mode of the files created.
   *
   * @defaultValue `0o600`
   */
  fileMode?: number;
  /**
   * Reuse the files of messages and values done with, and have writers
   * make empty files ahead (`pools.ts`): a write then seldom waits for the
   * file system to create a file, which is most of its cost. Turn it off
   * to keep no bytes of finished messages and values on disk (a spare
   * file holds its last content until a write fills it again), to see the
   * plain protocol alone (no `spare/`, no `*.blank` in `tmp/`), or where
   * most calls end with `ack` (no result stored): an unlink costs less
   * than keeping the file. The figures are in `file/pools.ts`.
   *
   * @defaultValue `true`
   */
  pools?: boolean;
}

/** Options of the file queue. */
export interface FileQueueOptions extends FileOptions {
  /**
   * Seconds after which a consumer whose heartbeat file was not touched is
   * taken for dead, and its claimed messages are recovered. A consumer whose
   * process is gone on this host is recovered at once, whatever this says.
   *
   * @defaultValue `30`
   */
  heartbeatTimeout?: number;
}

/** Options of the file result store. */
export type FileDataStoreOptions = FileOptions;

/** Every default of the file backend, in one place. */
export const FILE_DEFAULTS = {
  /** Off: a rename is atomic without it, only a power loss can lose a fresh write. */
  fsync: false,
  /** On: an idle reader sleeps until the directory changes. */
  watch: true,
  /** 100 ms: the latency of a polling reader, at ten directory reads a second. */
  pollInterval: 0.1,
  /** 30 s: DESIGN §2 promises a killed consumer's messages back within 30 s. */
  heartbeatTimeout: 30,
  /** Only the owner may list the queue: messages can hold private arguments. */
  dirMode: 0o700,
  /** Only the owner may read a message. */
  fileMode: 0o600,
  /** On: creating files is most of a write's cost, and the pools avoid it (the figures are in `pools.ts`). */
  pools: true,
} as const;

/** Options after validation, every default filled in. */
export interface ResolvedOptions {
  path: string;
  fsync: boolean;
  watch: boolean;
  pollMs: number;
  dirMode: number;
  fileMode: number;
  heartbeatMs: number;
  pools: boolean;
}

/**
 * Validates the options of a file queue or store at the public boundary.
 *
 * @param what - `FileQueue` or `FileDataStore`, for the messages.
 * @param options - The options as given.
 * @param keys - The option names `what` accepts.
 * @throws ConfigurationError naming the option that is wrong.
 */
export function resolveOptions(what: string, options: unknown, keys: readonly string[]): ResolvedOptions {
  if (typeof options !== 'object' || options === null) expected(`${what} options`, 'an object with a `path`', options);
  knownKeys(what, options, keys);
  const given = options as Record<string, unknown>;
  if (typeof given.path !== 'string' || given.path === '' || given.path.includes('\0')) expected('path', 'a non-empty directory path', given.path);
  const flag = (name: string, fallback: boolean): boolean => {
    const value = given[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') expected(name, 'a boolean', value);
    return value;
  };
  const positiveSeconds = (name: string, fallback: number): number => {
    const value = given[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) expected(name, 'a positive number of seconds', value);
    return value;
  };
  const mode = (name: string, fallback: number): number => {
    const value = given[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0o777) expected(name, 'a file mode between 0o000 and 0o777', value);
    return value;
  };
  return {
    path: given.path,
    fsync: flag('fsync', FILE_DEFAULTS.fsync),
    watch: flag('watch', FILE_DEFAULTS.watch),
    pollMs: positiveSeconds('pollInterval', FILE_DEFAULTS.pollInterval) * 1000,
    dirMode: mode('dirMode', FILE_DEFAULTS.dirMode),
    fileMode: mode('fileMode', FILE_DEFAULTS.fileMode),
    heartbeatMs: positiveSeconds('heartbeatTimeout', FILE_DEFAULTS.heartbeatTimeout) * 1000,
    pools: flag('pools', FILE_DEFAULTS.pools),
  };
}

/** Longest name or key accepted, in bytes: file names stop at 255 bytes and ours add a suffix. */
const MAX_NAME_BYTES = 200;

/**
 * Checks that a queue name, store name or key is one file name, so that it
 * cannot reach outside `path`.
 *
 * @param what - What the value is, for the message (`queue name`, `key`).
 * @param value - The value to check.
 * @returns The value, when it is safe.
 * @throws ConfigurationError saying why it cannot be used.
 */
export function safeName(what: string, value: unknown): string {
  if (typeof value !== 'string') expected(what, 'a string', value);
  const why =
    value === '' ? 'it is empty'
    : value === '.' || value === '..' ? 'it names a directory'
    : value.includes('/') || value.includes('\\') ? 'it holds a path separator'
    : value.includes('\0') ? 'it holds a NUL byte'
    : Buffer.byteLength(value) > MAX_NAME_BYTES ? `it is longer than ${MAX_NAME_BYTES} bytes`
    : undefined;
  if (why !== undefined) {
    throw new ConfigurationError(`The file backend cannot use ${JSON.stringify(value)} as a ${what}: ${why}, and a ${what} must be a single file name inside \`path\``);
  }
  return value;
}

/** `true` when `error` is Node's "no such file or directory". */
export const isNotFound = (error: unknown): boolean => (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';

/** `true` when `error` is Node's "file already exists". */
export const isExists = (error: unknown): boolean => (error as NodeJS.ErrnoException | null)?.code === 'EEXIST';

/** Awaits `work`, answering `fallback` instead of failing when the file is not there. */
export async function unlessMissing<T>(work: Promise<T>, fallback: T): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isNotFound(error)) return fallback;
    throw error;
  }
}

/** Runs `work`, turning any failure into `Wrapper` with `message`, keeping the original as `cause`. */
export async function wrapped<T>(Wrapper: new (message: string, options: { cause: unknown }) => QueueException, message: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof QueueException) throw error;
    throw new Wrapper(`${message}: ${(error as Error).message}`, { cause: error });
  }
}

/** Pads a non-negative integer with zeros, so names sort like the numbers. */
export const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Width of a millisecond timestamp: `Date.now()` has 13 digits until the year 2286. */
export const TIME_WIDTH = 13;

/** A millisecond instant clamped to what {@link TIME_WIDTH} digits hold. */
export const timeField = (ms: number): string => pad(Math.min(Math.max(0, Math.floor(ms)), 10 ** TIME_WIDTH - 1), TIME_WIDTH);

/** Told apart from every other process and thread, even with the same pid. */
const PROCESS_TAG = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
let lastMs = 0;
let sequence = 0;

/**
 * A name unique across processes that sorts in the order this process made
 * them: `<ms>-<seq>-<process>`. The clock never goes back within a process
 * (a clock set back keeps the last time) and the sequence orders names made
 * within one millisecond, which makes a producer's messages FIFO.
 *
 * @returns e.g. `1764284400123-000001-k2j3a1b2c3`.
 */
export function sortableName(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  }
  sequence++;
  return `${timeField(lastMs)}-${pad(sequence, 6)}-${PROCESS_TAG}`;
}

/** Creates each directory (and its parents) with `mode` when missing. */
export async function makeDirs(mode: number, ...dirs: string[]): Promise<void> {
  for (const dir of dirs) await mkdir(dir, { recursive: true, mode });
}

/** Flushes a file's bytes, or a directory's entries (a rename or an unlink in it), to the disk. */
export async function syncToDisk(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `target` so that no reader ever sees a part of it: the
 * bytes go to a new file in `tmpDir` first, which is then renamed over
 * `target` (a rename within one file system is atomic). Without fsync the
 * file is written with synchronous calls: a create and a rename through
 * libuv's threads cost two hops behind the process's other file work. A
 * writer with pools tries them first (`pools.ts` → `writeThrough`).
 *
 * @param tmpDir - A directory on the same file system as `target`.
 * @param target - The final path.
 * @param data - The content.
 * @param options - The file mode, and whether to flush to the disk.
 */
export async function writeAtomically(tmpDir: string, target: string, data: string, options: { fileMode: number; fsync: boolean }): Promise<void> {
  const tmp = join(tmpDir, `${sortableName()}.tmp`);
  if (!options.fsync) {
    writeFileSync(tmp, data, { mode: options.fileMode, flag: 'wx' });
    try {
      renameSync(tmp, target);
    } catch (error) {
      // the rename failed, so the temp file is ours alone: remove it and report the rename's error, not the cleanup's
      try {
        unlinkSync(tmp);
      } catch (cleanup) {
        void cleanup;
      }
      throw error;
    }
    return;
  }
  const handle = await open(tmp, 'wx', options.fileMode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, target);
  } catch (error) {
    // the rename failed, so the temp file is ours alone: remove it and report the rename's error, not the cleanup's
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await syncToDisk(dirname(target));
}

/** `true` when a process with this pid exists on this host (a process we may not signal exists too). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
