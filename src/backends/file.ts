/**
 * The file backend: a queue in a directory, safe for many processes on one
 * machine, with no server to start. Every message is one file, readable
 * with `cat`; every move of a message is one atomic `rename`.
 *
 * Directory layout (`<path>` is the `path` option):
 *
 * ```text
 * <path>/
 *   queues/<queue name>/
 *     ready/<ms>-<seq>-<proc>.json     waiting messages; the names sort first in, first out
 *     claimed/<consumer>/<name>.json   taken by a consumer and not yet acknowledged
 *     consumers/<consumer>.json        heartbeat: {"host","pid","startedAt"}; its mtime is the last beat
 *     schedule/<eta ms>-<name>.json    waiting for their eta; the names sort by eta
 *     dead/<at ms>-<name>.json         dead letters, the message as read...
 *     dead/<at ms>-<name>.reason       ...and beside it, why it could not run
 *     leases/<key>.<generation>.lease  a lease; holds its time to live in ms, counted from the file's ctime
 *     tmp/                             files being written, renamed into place when complete
 *     trace.log, trace.log.1           the trace (with TRACE on), one JSON line an event; rotated at 4 MB
 *   stores/<store name>/
 *     values/<key>                     one value a key (a task id for results)
 *     tmp/                             values being written or taken
 * ```
 *
 * How the guarantees are kept:
 * - A write goes to `tmp/` and is renamed into `ready/`: a reader never sees a part.
 * - A read renames the oldest file of `ready/` into `claimed/<consumer>/`: of
 *   several consumers, exactly one rename succeeds. `ack` deletes the file.
 * - `recover` moves the claims of dead consumers back to `ready/`. A consumer
 *   is dead when its heartbeat file is missing, when its process is gone (same
 *   host), or when the heartbeat is older than `heartbeatTimeout`.
 * - A reader lists `ready/` once and takes the names in order until the list
 *   is used up, so a read costs a rename and a file read, not a directory scan.
 * - `due` renames due files out of `schedule/` into the caller's claims: each is
 *   handed out once, and a crash before it ran returns it through `recover`.
 *
 * @module
 */
import { appendFile, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { QueueException, QueueReadException, QueueWriteException } from '../exceptions.js';
import * as check from '../validate.js';
import { mentionsTask } from '../trace.js';
import { BaseQueue, type ClaimedMessage, type ConsumerInfo, type DeadLetter, type ScheduledMessage } from './base.js';
import {
  DirectoryWaker,
  isNotFound,
  makeDirs,
  resolveOptions,
  safeName,
  sortableName,
  TIME_WIDTH,
  timeField,
  unlessMissing,
  wrapped,
  writeAtomically,
  type FileQueueOptions,
  type ResolvedOptions,
} from './file/common.js';
import { isDead, Membership, recoverDead } from './file/consumers.js';
import { takeLease } from './file/lease.js';

export { FileDataStore } from './file/store.js';
export type { FileDataStoreOptions, FileOptions, FileQueueOptions } from './file/common.js';

const QUEUE_OPTIONS = ['path', 'fsync', 'watch', 'pollInterval', 'dirMode', 'fileMode', 'heartbeatTimeout'] as const;

/** A message file: anything else in a directory (an editor's backup, a note) is left alone. */
const isMessage = (name: string): boolean => name.endsWith('.json') && !name.startsWith('.');
/** A schedule file starts with its eta. */
const SCHEDULED = new RegExp(`^\\d{${TIME_WIDTH}}-.*\\.json$`);
const etaOf = (name: string): number => Number(name.slice(0, TIME_WIDTH));
/** The trace file is rotated to `trace.log.1` past this size, so the trace keeps between one and two of it. */
const TRACE_ROTATE_BYTES = 4 * 1024 * 1024;
/** How many appends between two looks at the trace file's size. */
const TRACE_SIZE_CHECK_EVERY = 200;

/** A message this queue object holds: where its file is, and whether `due` (not `read`) took it. */
interface Claim {
  file: string;
  fromSchedule: boolean;
}

/**
 * A queue in a directory, shared by any number of producer and consumer
 * processes on one machine. Reads block, woken by a directory watch; a
 * message read stays claimed until {@link FileQueue.ack}, and comes back
 * through {@link FileQueue.recover} when its consumer died. See the module
 * documentation for the directory layout.
 *
 * @example
 * ```ts
 * const queue = new FileQueue('test-queue', { path: './huey-data' });
 * const invoker = new Invoker(queue, { resultStore: new FileDataStore('results', { path: './huey-data' }) });
 * ```
 */
export class FileQueue extends BaseQueue {
  /** Always `true`: a read waits for a write, woken by a directory watch. */
  readonly blocking = true;
  /** The queue's directory: `<path>/queues/<name>`. */
  readonly directory: string;
  /** This object's name among the consumers: its claims are in `claimed/<consumerId>`. */
  readonly consumerId: string;
  readonly #options: ResolvedOptions;
  readonly #dirs: Record<'ready' | 'claimed' | 'consumers' | 'schedule' | 'dead' | 'leases' | 'tmp', string>;
  readonly #waker: DirectoryWaker;
  readonly #membership: Membership;
  #made: Promise<void> | undefined;
  /** Names of `ready/` from one listing, taken in order: the reason a read does not scan the directory. */
  #batch: string[] = [];
  #next = 0;
  /** A claim failed since the last listing: another consumer was first. */
  #missed = false;
  #claims = new Map<string, Claim[]>();
  #closed = false;

  /**
   * @param name - The queue's name: one file name (no `/`, `..`, NUL).
   * @param options - Where the queue lives and how it behaves; `path` is required.
   * @throws ConfigurationError when the name is not one file name or an option is wrong.
   * @example
   * ```ts
   * const queue = new FileQueue('test-queue', { path: './huey-data', fsync: true });
   * await queue.write('{"id":"1"}');
   * const data = await queue.read(1000); // '{"id":"1"}', claimed by this object
   * await queue.ack(data!);
   * ```
   */
  constructor(name: string, options: FileQueueOptions) {
    safeName('queue name', name);
    const resolved = resolveOptions('FileQueue', options, QUEUE_OPTIONS);
    super(name, options);
    this.#options = resolved;
    this.directory = join(resolved.path, 'queues', name);
    const dir = (sub: string): string => join(this.directory, sub);
    this.#dirs = { ready: dir('ready'), claimed: dir('claimed'), consumers: dir('consumers'), schedule: dir('schedule'), dead: dir('dead'), leases: dir('leases'), tmp: dir('tmp') };
    this.#membership = new Membership(this.#dirs, resolved);
    this.consumerId = this.#membership.id;
    this.#waker = new DirectoryWaker(this.#dirs.ready, resolved.watch, resolved.pollMs);
  }

  /**
   * Appends a message: written to `tmp/`, then renamed into `ready/`.
   * Writing a message this object took with {@link FileQueue.due} also
   * releases that claim, once the message is safely in the queue.
   *
   * @param data - The encoded message.
   * @returns A promise that settles once the message is in `ready/` (and on the disk, with `fsync`).
   * @throws QueueWriteException when the file cannot be written.
   */
  async write(data: string): Promise<void> {
    if (typeof data !== 'string') check.expected('data', 'a string', data);
    await wrapped(QueueWriteException, `Could not write to ${this.#dirs.ready}`, async () => {
      await this.#ready();
      await writeAtomically(this.#dirs.tmp, join(this.#dirs.ready, `${sortableName()}.json`), data, this.#options);
      const claim = this.#release(data, true);
      if (claim !== undefined) await unlessMissing(unlink(claim.file), undefined);
    });
  }

  /**
   * Takes the oldest waiting message by renaming it into this object's
   * claims. The content is returned as it is on disk, even when it is not a
   * valid message: the consumer decodes it and dead-letters what it cannot read.
   *
   * @param timeoutMs - How long to wait for a message when none is waiting. @defaultValue `0`
   * @returns The message, or `null` when none came in time or the queue was closed.
   * @throws QueueReadException when the directory cannot be read.
   */
  async read(timeoutMs = 0): Promise<string | null> {
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs)) check.expected('timeoutMs', 'a number of milliseconds', timeoutMs);
    return wrapped(QueueReadException, `Could not read from ${this.#dirs.ready}`, async () => {
      await this.#ready();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (this.#closed) return null;
        const seen = this.#waker.generation;
        const data = await this.#takeNext();
        if (data !== null) {
          // busy: other processes' renames need not wake this one until the queue runs dry again
          this.#waker.pause();
          return data;
        }
        const left = deadline - Date.now();
        if (left <= 0) return null;
        if (!this.#waker.active) {
          // watch, then look once more: a write between that look and the wait still wakes us
          this.#waker.start();
          continue;
        }
        await this.#waker.wait(seen, left);
      }
    });
  }

  /**
   * Removes every waiting message (claimed and scheduled ones stay).
   *
   * @returns A promise that settles once `ready/` is empty of what it held.
   * @throws QueueException when the directory cannot be read.
   */
  async flush(): Promise<void> {
    await wrapped(QueueException, `Could not flush ${this.#dirs.ready}`, async () => {
      await this.#ready();
      for (const name of (await readdir(this.#dirs.ready)).filter(isMessage)) await unlessMissing(unlink(join(this.#dirs.ready, name)), undefined);
      this.#batch = [];
      this.#next = 0;
    });
  }

  /**
   * Counts the waiting messages (one directory listing).
   *
   * @returns The number of files in `ready/`.
   * @throws QueueException when the directory cannot be read.
   */
  async length(): Promise<number> {
    return wrapped(QueueException, `Could not list ${this.#dirs.ready}`, async () => {
      await this.#ready();
      return (await readdir(this.#dirs.ready)).filter(isMessage).length;
    });
  }

  /**
   * Forgets a message this object read: its file is deleted. A message
   * recovered meanwhile by another consumer (this one was taken for dead)
   * is not an error: it will simply run again.
   *
   * @param data - The message exactly as {@link FileQueue.read} or {@link FileQueue.due} returned it.
   * @returns A promise that settles once the file is deleted.
   * @throws QueueException when the file cannot be deleted.
   */
  async ack(data: string): Promise<void> {
    const claim = this.#release(data, false);
    if (claim === undefined) return;
    await wrapped(QueueException, `Could not acknowledge ${claim.file}`, () => unlessMissing(unlink(claim.file), undefined));
  }

  /**
   * Moves the claims of dead consumers back into `ready/`, where their
   * original names put them ahead of newer messages. A consumer is dead
   * when its heartbeat file is gone, when its pid no longer runs on this
   * host, or when its heartbeat is older than `heartbeatTimeout`. Also
   * removes temp files left by writers killed mid-write.
   *
   * @returns How many messages came back.
   * @throws QueueException when the directories cannot be read.
   */
  async recover(): Promise<number> {
    return wrapped(QueueException, `Could not recover claims in ${this.#dirs.claimed}`, async () => {
      await this.#ready();
      const count = await recoverDead(this.#dirs, this.consumerId, this.#options.heartbeatMs);
      // the recovered names are older than our listing's: list again so they are read first
      if (count > 0) this.#batch = [];
      return count;
    });
  }

  /**
   * Keeps a message in `schedule/` until its eta, in a file whose name
   * starts with the eta, so a listing sorts the schedule.
   *
   * @param data - The encoded message.
   * @param eta - When it becomes due.
   * @returns A promise that settles once the file is in `schedule/`.
   * @throws ConfigurationError when `eta` is not a valid Date.
   * @throws QueueWriteException when the file cannot be written.
   */
  async schedule(data: string, eta: Date): Promise<void> {
    if (typeof data !== 'string') check.expected('data', 'a string', data);
    check.date('eta', eta);
    await wrapped(QueueWriteException, `Could not schedule in ${this.#dirs.schedule}`, async () => {
      await this.#ready();
      await writeAtomically(this.#dirs.tmp, join(this.#dirs.schedule, `${timeField(eta.getTime())}-${sortableName()}.json`), data, this.#options);
    });
  }

  /**
   * Takes up to `limit` scheduled messages whose eta is at or before `now`,
   * earliest first, each by a rename into this object's claims: however
   * many consumers ask, each message is handed out once. The caller then
   * either writes it to the queue with {@link FileQueue.write} or runs it
   * and calls {@link FileQueue.ack}; either releases the claim. Until then
   * a crash of this process returns it through {@link FileQueue.recover}.
   *
   * @param now - The instant to compare etas with.
   * @param limit - The most messages to take.
   * @returns The messages taken.
   * @throws ConfigurationError when `now` or `limit` is not valid.
   * @throws QueueReadException when the directory cannot be read.
   */
  async due(now: Date, limit: number): Promise<string[]> {
    check.date('now', now);
    check.nonNegativeInteger('limit', limit, 0);
    return wrapped(QueueReadException, `Could not take due messages from ${this.#dirs.schedule}`, async () => {
      await this.#ready();
      const taken: string[] = [];
      for (const name of (await readdir(this.#dirs.schedule)).filter((n) => SCHEDULED.test(n)).sort()) {
        if (taken.length >= limit || etaOf(name) > now.getTime()) break;
        const data = await this.#claim(this.#dirs.schedule, name, true);
        if (data !== null) taken.push(data);
      }
      return taken;
    });
  }

  /**
   * Reads the earliest eta from the names in `schedule/`.
   *
   * @returns The earliest eta, or `null` when nothing is scheduled.
   * @throws QueueReadException when the directory cannot be read.
   */
  async nextEta(): Promise<Date | null> {
    return wrapped(QueueReadException, `Could not list ${this.#dirs.schedule}`, async () => {
      await this.#ready();
      let first: string | undefined;
      for (const name of await readdir(this.#dirs.schedule)) if (SCHEDULED.test(name) && (first === undefined || name < first)) first = name;
      return first === undefined ? null : new Date(etaOf(first));
    });
  }

  /**
   * Keeps a message that cannot run in `dead/`, with a `.reason` file
   * beside it. A message this object claimed is moved there byte for byte
   * (even bytes that are not UTF-8); any other is written from `data`.
   *
   * @param data - The message as read.
   * @param reason - Why it cannot run.
   * @returns A promise that settles once both files are in `dead/`.
   * @throws QueueWriteException when the files cannot be written.
   */
  async deadLetter(data: string, reason: string): Promise<void> {
    if (typeof reason !== 'string') check.expected('reason', 'a string', reason);
    await wrapped(QueueWriteException, `Could not dead-letter into ${this.#dirs.dead}`, async () => {
      await this.#ready();
      const claim = this.#release(data, false);
      const stem = claim === undefined ? sortableName() : basename(claim.file, '.json');
      const base = join(this.#dirs.dead, `${timeField(Date.now())}-${stem}`);
      // the reason first: a message in dead/ always has its reason beside it
      await writeAtomically(this.#dirs.tmp, `${base}.reason`, reason, this.#options);
      const moved = claim !== undefined && (await unlessMissing(rename(claim.file, `${base}.json`).then(() => true), false));
      if (!moved) await writeAtomically(this.#dirs.tmp, `${base}.json`, data, this.#options);
    });
  }

  /**
   * Reads the dead letters, oldest first.
   *
   * @returns Each message with its reason and when it was dead-lettered.
   * @throws QueueReadException when the directory cannot be read.
   */
  async deadLetters(): Promise<DeadLetter[]> {
    return wrapped(QueueReadException, `Could not list ${this.#dirs.dead}`, async () => {
      await this.#ready();
      const letters: DeadLetter[] = [];
      for (const name of (await readdir(this.#dirs.dead)).filter(isMessage).sort()) {
        const base = join(this.#dirs.dead, name.slice(0, -'.json'.length));
        const data = await unlessMissing(readFile(`${base}.json`, 'utf8'), undefined);
        if (data === undefined) continue;
        const reason = await unlessMissing(readFile(`${base}.reason`, 'utf8'), '(no reason recorded)');
        letters.push({ data, reason, at: new Date(etaOf(name)) });
      }
      return letters;
    });
  }

  /**
   * Takes a lease by creating `leases/<key>.<generation>.lease` exclusively
   * (a hard link, which fails when the name exists): the first generation,
   * or the next one once the newest has expired. Of several callers, the
   * one whose link succeeds holds the lease.
   *
   * @param key - What the lease is for: one file name, e.g. `periodic:2026-01-01T00:00`.
   * @param ttlMs - How long it is held, from the moment its file appeared (the file's ctime).
   * @returns `true` for the one caller that got it, `false` for every other.
   * @throws ConfigurationError when the key is not one file name or `ttlMs` is not positive.
   * @throws QueueException when the directory cannot be written.
   */
  async lease(key: string, ttlMs: number): Promise<boolean> {
    safeName('lease key', key);
    if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) check.expected('ttlMs', 'a positive number of milliseconds', ttlMs);
    return wrapped(QueueException, `Could not take lease "${key}" in ${this.#dirs.leases}`, async () => {
      await this.#ready();
      return takeLease(this.#dirs.leases, this.#dirs.tmp, key, ttlMs, this.#options);
    });
  }

  /**
   * Stops the heartbeat and the directory watch, wakes blocked reads with
   * `null`, and gives this object's claims back: messages read and not
   * acknowledged go back to `ready/` at once.
   *
   * @returns A promise that settles once the claims are back and the heartbeat file is removed.
   * @throws QueueException when the claims cannot be moved back.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#waker.close();
    this.#claims.clear();
    await wrapped(QueueException, `Could not give back the claims of ${this.consumerId}`, () => this.#membership.leave());
  }

  /** Takes the next name of the current listing, listing `ready/` again when it is used up. */
  async #takeNext(): Promise<string | null> {
    for (;;) {
      if (this.#next >= this.#batch.length) {
        // a whole listing taken by others may instead mean our claims directory is gone: check once a listing
        if (this.#missed) await this.#membership.verify();
        this.#missed = false;
        this.#batch = (await readdir(this.#dirs.ready)).filter(isMessage).sort();
        this.#next = 0;
        if (this.#batch.length === 0) return null;
      }
      const data = await this.#claim(this.#dirs.ready, this.#batch[this.#next++]!, false);
      if (data !== null) return data;
    }
  }

  /** Renames `dir/name` into this object's claims and reads it; `null` when another consumer was first. */
  async #claim(dir: string, name: string, fromSchedule: boolean): Promise<string | null> {
    const file = join(await this.#membership.enrol(), name);
    try {
      await rename(join(dir, name), file);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      // another consumer was first (or, rarely, our claims directory is gone: see #takeNext)
      this.#missed = true;
      return null;
    }
    // null when a recoverer moved it back between our rename and our read: it is in ready/ again
    const data = await unlessMissing(readFile(file, 'utf8'), null);
    if (data !== null) this.#claims.set(data, [...(this.#claims.get(data) ?? []), { file, fromSchedule }]);
    return data;
  }

  /** Forgets one claim of `data` (only one taken by `due` when `scheduledOnly`). */
  #release(data: string, scheduledOnly: boolean): Claim | undefined {
    const claims = this.#claims.get(data);
    const i = claims?.findIndex((claim) => claim.fromSchedule || !scheduledOnly) ?? -1;
    if (claims === undefined || i < 0) return undefined;
    const [claim] = claims.splice(i, 1);
    if (claims.length === 0) this.#claims.delete(data);
    return claim;
  }

  #ready(): Promise<void> {
    const { dirMode, path } = this.#options;
    this.#made ??= makeDirs(dirMode, path, ...Object.values(this.#dirs)).catch((error: unknown) => {
      this.#made = undefined;
      throw error;
    });
    return this.#made;
  }

  // Inspection and trace (huey info, peek, trace, dead-letters), appended after the backend's own members.

  /** Appends since the last look at the trace file's size. */
  #traceAppends = 0;

  /**
   * Appends a line to `trace.log` in the queue's directory (one `O_APPEND`
   * write, so lines of several processes do not interleave). Past 4 MiB the
   * file is rotated to `trace.log.1`, replacing the older one.
   *
   * @param line - One line of JSON.
   * @throws QueueWriteException when the file cannot be written.
   */
  async traceAppend(line: string): Promise<void> {
    const file = join(this.directory, 'trace.log');
    await wrapped(QueueWriteException, `Could not append to ${file}`, async () => {
      await this.#ready();
      await appendFile(file, `${line}\n`, { mode: this.#options.fileMode });
      if (++this.#traceAppends < TRACE_SIZE_CHECK_EVERY) return;
      this.#traceAppends = 0;
      const info = await unlessMissing(stat(file), undefined);
      if (info !== undefined && info.size > TRACE_ROTATE_BYTES) await unlessMissing(rename(file, `${file}.1`), undefined);
    });
  }

  /**
   * Reads `trace.log.1` then `trace.log`, oldest first.
   *
   * @param taskId - When given, only the lines about that task.
   * @throws QueueReadException when a file exists but cannot be read.
   */
  async traceRead(taskId?: string): Promise<string[]> {
    const file = join(this.directory, 'trace.log');
    return wrapped(QueueReadException, `Could not read ${file}`, async () => {
      const text = (await unlessMissing(readFile(`${file}.1`, 'utf8'), '')) + (await unlessMissing(readFile(file, 'utf8'), ''));
      // a line still being written has no newline yet: only complete lines count
      const lines = text.split('\n').slice(0, -1).filter((line) => line !== '');
      return taskId === undefined ? lines : lines.filter((line) => mentionsTask(line, taskId));
    });
  }

  /**
   * The next messages of `ready/`, oldest first, read without being claimed.
   *
   * @param limit - The most to return.
   * @throws QueueReadException when the directory cannot be read.
   */
  async waiting(limit: number): Promise<string[]> {
    return wrapped(QueueReadException, `Could not list ${this.#dirs.ready}`, async () => {
      await this.#ready();
      const found: string[] = [];
      for (const name of (await readdir(this.#dirs.ready)).filter(isMessage).sort()) {
        if (found.length >= limit) break;
        const data = await unlessMissing(readFile(join(this.#dirs.ready, name), 'utf8'), undefined);
        if (data !== undefined) found.push(data);
      }
      return found;
    });
  }

  /**
   * The messages of `schedule/`, earliest first, with the eta their names start with.
   *
   * @param limit - The most to return.
   * @throws QueueReadException when the directory cannot be read.
   */
  async scheduled(limit: number): Promise<ScheduledMessage[]> {
    return wrapped(QueueReadException, `Could not list ${this.#dirs.schedule}`, async () => {
      await this.#ready();
      const found: ScheduledMessage[] = [];
      for (const name of (await readdir(this.#dirs.schedule)).filter((n) => SCHEDULED.test(n)).sort()) {
        if (found.length >= limit) break;
        const data = await unlessMissing(readFile(join(this.#dirs.schedule, name), 'utf8'), undefined);
        if (data !== undefined) found.push({ data, eta: new Date(etaOf(name)) });
      }
      return found;
    });
  }

  /**
   * The files of `claimed/<consumer>/`; a claim's time is the file's ctime,
   * which the claiming rename sets.
   *
   * @throws QueueReadException when the directory cannot be read.
   */
  async claims(): Promise<ClaimedMessage[]> {
    return wrapped(QueueReadException, `Could not list ${this.#dirs.claimed}`, async () => {
      await this.#ready();
      const found: ClaimedMessage[] = [];
      for (const consumer of await readdir(this.#dirs.claimed)) {
        const dir = join(this.#dirs.claimed, consumer);
        for (const name of (await unlessMissing(readdir(dir), [])).filter(isMessage)) {
          const [data, info] = await Promise.all([unlessMissing(readFile(join(dir, name), 'utf8'), undefined), unlessMissing(stat(join(dir, name)), undefined)]);
          if (data !== undefined) found.push({ consumer, data, since: info === undefined ? null : new Date(info.ctimeMs) });
        }
      }
      return found;
    });
  }

  /**
   * The consumers of `consumers/` (heartbeat files: last beat is the
   * mtime) and of `claimed/` (a claims directory without a heartbeat is a
   * dead consumer's), each alive or dead by the rules of {@link FileQueue.recover}.
   *
   * @throws QueueReadException when the directories cannot be read.
   */
  async consumers(): Promise<ConsumerInfo[]> {
    return wrapped(QueueReadException, `Could not list ${this.#dirs.consumers}`, async () => {
      await this.#ready();
      const ids = new Set([...(await readdir(this.#dirs.consumers)).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length)), ...(await readdir(this.#dirs.claimed))]);
      const found: ConsumerInfo[] = [];
      for (const id of [...ids].sort()) {
        const file = join(this.#dirs.consumers, `${id}.json`);
        const [text, info] = await Promise.all([unlessMissing(readFile(file, 'utf8'), undefined), unlessMissing(stat(file), undefined)]);
        let owner: { host?: unknown; pid?: unknown } = {};
        try {
          owner = text === undefined ? {} : (JSON.parse(text) as typeof owner);
        } catch {
          // a heartbeat edited by hand: its age still tells
          owner = {};
        }
        found.push({
          id,
          host: typeof owner.host === 'string' ? owner.host : undefined,
          pid: typeof owner.pid === 'number' ? owner.pid : undefined,
          lastBeat: info === undefined ? null : new Date(info.mtimeMs),
          alive: id === this.consumerId ? !this.#closed : !(await isDead(this.#dirs, id, this.#options.heartbeatMs)),
        });
      }
      return found;
    });
  }

  /**
   * Moves a dead letter back to the tail of `ready/` (under a new name, so
   * it sorts last) and deletes its `.reason`.
   *
   * @param letter - As {@link FileQueue.deadLetters} returned it.
   * @returns `false` when it is no longer in `dead/`.
   * @throws QueueWriteException when the files cannot be moved.
   */
  async requeueDeadLetter(letter: DeadLetter): Promise<boolean> {
    return wrapped(QueueWriteException, `Could not requeue from ${this.#dirs.dead}`, async () => {
      await this.#ready();
      const prefix = timeField(letter.at.getTime());
      for (const name of (await readdir(this.#dirs.dead)).filter((n) => isMessage(n) && n.startsWith(prefix)).sort()) {
        const file = join(this.#dirs.dead, name);
        if ((await unlessMissing(readFile(file, 'utf8'), undefined)) !== letter.data) continue;
        // the rename that succeeds is the one requeue of this letter
        if (!(await unlessMissing(rename(file, join(this.#dirs.ready, `${sortableName()}.json`)).then(() => true), false))) continue;
        await unlessMissing(unlink(`${file.slice(0, -'.json'.length)}.reason`), undefined);
        return true;
      }
      return false;
    });
  }

  /**
   * Deletes every file of `dead/`.
   *
   * @returns How many dead letters there were.
   * @throws QueueException when the directory cannot be read.
   */
  async purgeDeadLetters(): Promise<number> {
    return wrapped(QueueException, `Could not purge ${this.#dirs.dead}`, async () => {
      await this.#ready();
      let count = 0;
      for (const name of await readdir(this.#dirs.dead)) {
        const deleted = await unlessMissing(unlink(join(this.#dirs.dead, name)).then(() => true), false);
        if (deleted && isMessage(name)) count++;
      }
      return count;
    });
  }
}
