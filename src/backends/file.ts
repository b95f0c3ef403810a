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
 *     ready/<ms>-<seq>-<proc>.json     waiting messages; the names sort first in, first out (priority 0;
 *     ready/+<key>-<ms>-<seq>-<proc>.json   a higher priority sorts first, a lower one `~<key>-...` last)
 *     claimed/<consumer>/<name>.json   taken by a consumer and not yet acknowledged
 *     consumers/<consumer>.json        heartbeat: {"host","pid","startedAt"}; its mtime is the last beat
 *     schedule/<eta ms>-<name>.json    waiting for their eta; the names sort by eta
 *     dead/<at ms>-<name>.json         dead letters, the message as read...
 *     dead/<at ms>-<name>.reason       ...and beside it, why it could not run
 *     leases/<key>.<generation>.lease  a lease; holds its time to live in ms, counted from the file's ctime
 *     revoked/<key>.json               a revocation (`task:<id>`, `command:<name>`, URI-encoded): {"until","once"}
 *     locks/<name>.<generation>.lock   a lock: `<token>\n<ttl ms>`, held while its mtime + ttl is ahead
 *     priority.hint                    grows a byte a message of priority above 0: readers list ready/ again
 *     tmp/                             files being written, renamed into place when complete,
 *                                      and empty `*.blank` files a writer made ahead to fill
 *     trace.log, trace.log.1           the trace (with TRACE on), one JSON line an event; rotated at 4 MB
 *   stores/<store name>/
 *     values/<key>                     one value a key (a task id for results): the message that
 *                                      produced it on the first line (empty after put), then the value
 *     tmp/                             values being written or taken
 *   spare/<slot>                       at most 128 files done with (a value read, a message
 *                                      acknowledged), filled by the next writes instead of new files
 * ```
 *
 * How the guarantees are kept:
 * - A write goes to `tmp/` and is renamed into `ready/`: a reader never sees a part.
 *   The file written is a spare one when `spare/` has one, else a blank one
 *   the writer made ahead, several at a time (`file/blanks.ts`): creating a
 *   file (an inode) costs 0.1–1.5 ms, filling one 0.1–0.3 ms.
 * - A read renames the oldest file of `ready/` into `claimed/<consumer>/`: of
 *   several consumers, exactly one rename succeeds. `ack` moves the file to `spare/`.
 * - `finish` appends the result to the claimed file, after the message's
 *   line, and renames the file into the store under the result's key: one
 *   rename stores the result and acknowledges the message, and no file is
 *   created (creating one is the slowest thing a file system does). A crash
 *   before the rename leaves the message claimed; readers take only a
 *   message file's first line, so recovery runs it again.
 * - `recover` moves the claims of dead consumers back to `ready/`. A consumer
 *   is dead when its heartbeat file is missing, when its process is gone (same
 *   host), or when the heartbeat is older than `heartbeatTimeout`.
 * - A reader lists `ready/` once and takes the names in order until the list
 *   is used up, so a read costs a rename and a file read, not a directory
 *   scan; `readMany` takes up to as many as asked from that listing.
 * - `due` renames due files out of `schedule/` into the caller's claims: each is
 *   handed out once, and a crash before it ran returns it through `recover`.
 *
 * @module
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DataStorePutException, QueueException, QueueReadException, QueueWriteException } from '../exceptions.js';
import * as check from '../core/validate.js';
import { BaseQueue, type BaseDataStore, type ClaimedMessage, type ConsumerInfo, type DeadLetter, type Revocation, type RevocationEntry, type ScheduledMessage } from './base.js';
import { Claims, listMessages } from './file/claims.js';
import {
  makeDirs,
  resolveOptions,
  safeName,
  sortableName,
  timeField,
  unlessMissing,
  wrapped,
  writeAtomically,
  type FileQueueOptions,
  type ResolvedOptions,
} from './file/common.js';
import { Membership, recoverDead } from './file/consumers.js';
import { moveIntoStore } from './file/finish.js';
import { checkOneLine } from './file/format.js';
import { deadLetterIn, deadLettersIn, purgeDeadLettersIn, requeueDeadLetterIn } from './file/dead.js';
import { claimsIn, consumersIn, nextEtaIn, scheduledIn, waitingIn, type QueueDirs } from './file/inspect.js';
import { takeLease } from './file/lease.js';
import { Blanks } from './file/blanks.js';
import { FileDataStore } from './file/store.js';
import { jumpsAhead, PriorityHint, readyName } from './file/priority.js';
import { flushLocksIn, lockIn, locksIn, renewLockIn, unlockIn } from './file/locks.js';
import { restoreIn, revocationsIn, revokedIn, revokeIn } from './file/revocations.js';
import { Spares } from './file/spares.js';
import { TraceFile } from './file/trace.js';
import { DirectoryWaker } from './file/waker.js';

export { FileDataStore } from './file/store.js';
export type { FileDataStoreOptions, FileOptions, FileQueueOptions } from './file/common.js';

const QUEUE_OPTIONS = ['path', 'fsync', 'watch', 'pollInterval', 'dirMode', 'fileMode', 'heartbeatTimeout'] as const;

/**
 * A queue in a directory, shared by any number of producer and consumer
 * processes on one machine. Reads block, woken by a directory watch; a
 * message read stays claimed until {@link FileQueue.ack} (or
 * {@link FileQueue.finish}), and comes back through
 * {@link FileQueue.recover} when its consumer died. See the module
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
  /** `true`: reads take the highest priority first. */
  override readonly priorities = true;
  /** The queue's directory: `<path>/queues/<name>`. */
  readonly directory: string;
  /** This object's name among the consumers: its claims are in `claimed/<consumerId>`. */
  readonly consumerId: string;
  readonly #options: ResolvedOptions;
  readonly #dirs: QueueDirs;
  readonly #waker: DirectoryWaker;
  readonly #membership: Membership;
  readonly #claims: Claims;
  readonly #trace: TraceFile;
  readonly #spares: Spares;
  readonly #blanks: Blanks;
  readonly #hint: PriorityHint;
  /** Stores on another file system than this queue: `finish` cannot rename into them. */
  readonly #unreachable = new WeakSet<FileDataStore>();
  #made: Promise<void> | undefined;
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
    this.#dirs = { ready: dir('ready'), claimed: dir('claimed'), consumers: dir('consumers'), schedule: dir('schedule'), dead: dir('dead'), leases: dir('leases'), revoked: dir('revoked'), locks: dir('locks'), tmp: dir('tmp') };
    this.#membership = new Membership(this.#dirs, resolved);
    this.consumerId = this.#membership.id;
    this.#hint = new PriorityHint(join(this.directory, 'priority.hint'));
    this.#claims = new Claims(this.#dirs, this.#membership, this.#hint);
    this.#waker = new DirectoryWaker(this.#dirs.ready, resolved.watch, resolved.pollMs);
    this.#trace = new TraceFile(join(this.directory, 'trace.log'), resolved.fileMode);
    this.#spares = new Spares(resolved.path);
    this.#blanks = new Blanks(this.#dirs.tmp, resolved.fileMode);
  }

  /**
   * Appends a message: written to `tmp/`, then renamed into `ready/`.
   * Writing a message this object took with {@link FileQueue.due} also
   * releases that claim, once the message is safely in the queue.
   *
   * @param data - The encoded message: one line (huey's messages are JSON, which has no raw newline).
   * @returns A promise that settles once the message is in `ready/` (and on the disk, with `fsync`).
   * @throws ConfigurationError when `data` is not a string or holds a newline.
   * @throws QueueWriteException when the file cannot be written.
   */
  async write(data: string): Promise<void> {
    if (typeof data !== 'string') check.expected('data', 'a string', data);
    checkOneLine(data);
    await this.#io(QueueWriteException, `Could not write to ${this.#dirs.ready}`, async () => {
      await writeAtomically(this.#dirs.tmp, join(this.#dirs.ready, readyName(data)), data, { ...this.#options, spares: this.#spares, blanks: this.#blanks });
      if (jumpsAhead(data)) await this.#hint.raise();
      const claim = this.#claims.release(data, true);
      if (claim !== undefined) await this.#spares.give(claim.file);
    });
  }

  /**
   * Takes the oldest waiting message by renaming it into this object's
   * claims. The content is returned as it is on disk (its first line), even
   * when it is not a valid message: the consumer decodes it and
   * dead-letters what it cannot read.
   *
   * @param timeoutMs - How long to wait for a message when none is waiting. @defaultValue `0`
   * @returns The message, or `null` when none came in time or the queue was closed.
   * @throws QueueReadException when the directory cannot be read.
   */
  async read(timeoutMs = 0): Promise<string | null> {
    return (await this.readMany(1, timeoutMs))[0] ?? null;
  }

  /**
   * Takes up to `count` waiting messages, oldest first, each by a rename
   * into this object's claims, from the listing of `ready/` already held:
   * no directory scan per message. Waits up to `timeoutMs` for the first
   * message only.
   *
   * @param count - The most messages to take.
   * @param timeoutMs - How long to wait when none is waiting. @defaultValue `0`
   * @returns The messages, oldest first; empty when none came in time or the queue was closed.
   * @throws ConfigurationError when `count` is not a positive integer or `timeoutMs` not a number.
   * @throws QueueReadException when the directory cannot be read.
   */
  async readMany(count: number, timeoutMs = 0): Promise<string[]> {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) check.expected('count', 'a positive integer', count);
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs)) check.expected('timeoutMs', 'a number of milliseconds', timeoutMs);
    return this.#io(QueueReadException, `Could not read from ${this.#dirs.ready}`, async () => {
      const look = async (): Promise<string[] | undefined> => {
        const taken = await this.#claims.take(count);
        return taken.length > 0 ? taken : undefined;
      };
      return (await this.#waker.until(look, timeoutMs)) ?? [];
    });
  }

  /**
   * Removes every waiting message (claimed and scheduled ones stay).
   *
   * @returns A promise that settles once `ready/` is empty of what it held.
   * @throws QueueException when the directory cannot be read.
   */
  async flush(): Promise<void> {
    await this.#io(QueueException, `Could not flush ${this.#dirs.ready}`, async () => {
      for (const name of await listMessages(this.#dirs.ready)) await unlessMissing(unlink(join(this.#dirs.ready, name)), undefined);
      this.#claims.relist();
    });
  }

  /**
   * Counts the waiting messages (one directory listing).
   *
   * @returns The number of message files in `ready/`.
   * @throws QueueException when the directory cannot be read.
   */
  async length(): Promise<number> {
    return this.#io(QueueException, `Could not list ${this.#dirs.ready}`, async () => (await listMessages(this.#dirs.ready)).length);
  }

  /**
   * Forgets a message this object read: its file leaves the claims (kept
   * in `spare/` for a later write to fill, or deleted). A message
   * recovered meanwhile by another consumer (this one was taken for dead)
   * is not an error: it will simply run again.
   *
   * @param data - The message exactly as {@link FileQueue.read} or {@link FileQueue.due} returned it.
   * @returns A promise that settles once the file has left the claims.
   * @throws QueueException when the file cannot be moved or deleted.
   */
  async ack(data: string): Promise<void> {
    const claim = this.#claims.release(data);
    if (claim === undefined) return;
    await wrapped(QueueException, `Could not acknowledge ${claim.file}`, () => this.#spares.give(claim.file));
  }

  /**
   * Stores a call's result and acknowledges its message in one rename, with
   * no new file: the value is appended to the claimed message's file (after
   * the message's line), which then becomes the value file of `key` in
   * `store`. A crash before the rename leaves the message claimed, and
   * recovery runs it again; after it, both are done.
   *
   * @param data - The message exactly as {@link FileQueue.read} or {@link FileQueue.due} returned it.
   * @param store - The result store.
   * @param key - The result's key: one file name.
   * @param value - The encoded result.
   * @returns `true` when both are done; `false`, having done nothing, when
   *   `store` is not a {@link FileDataStore} on this queue's file system,
   *   when this object does not hold `data` (recovered by another consumer
   *   meanwhile), or when its file holds more than the message: the caller
   *   then calls `store.put` and `ack`.
   * @throws ConfigurationError when `key` is not one file name or `value` not a string.
   * @throws DataStorePutException when the file cannot be appended to or
   *   renamed. The message then stays claimed by this object, its file as
   *   it was, and the result is not stored.
   * @example
   * ```ts
   * const data = (await queue.read(1000))!;
   * if (!(await queue.finish(data, results, 'task-1', '"done"'))) {
   *   await results.put('task-1', '"done"');
   *   await queue.ack(data);
   * }
   * ```
   */
  async finish(data: string, store: BaseDataStore, key: string, value: string): Promise<boolean> {
    safeName('key', key);
    if (typeof value !== 'string') check.expected('value', 'a string', value);
    if (!(store instanceof FileDataStore) || this.#unreachable.has(store)) return false;
    const claim = this.#claims.release(data);
    if (claim === undefined) return false;
    return wrapped(DataStorePutException, `Could not store the result of ${key} and acknowledge its message (${claim.file})`, async () => {
      let moved: Awaited<ReturnType<typeof moveIntoStore>> | 'refused' = 'refused';
      try {
        if (claim.bare) moved = await moveIntoStore(claim, await store.valueFile(key), value, this.#options.fsync);
      } finally {
        // not stored: the caller falls back to put and ack, which needs the claim
        if (moved !== 'stored') this.#claims.restore(data, claim);
      }
      if (moved === 'elsewhere') this.#unreachable.add(store);
      return moved === 'stored';
    });
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
    return this.#io(QueueException, `Could not recover claims in ${this.#dirs.claimed}`, async () => {
      const count = await recoverDead(this.#dirs, this.consumerId, this.#options.heartbeatMs);
      // the recovered names are older than our listing's: list again so they are read first
      if (count > 0) this.#claims.relist();
      return count;
    });
  }

  /**
   * Keeps a message in `schedule/` until its eta, in a file whose name
   * starts with the eta, so a listing sorts the schedule.
   *
   * @param data - The encoded message: one line.
   * @param eta - When it becomes due.
   * @returns A promise that settles once the file is in `schedule/`.
   * @throws ConfigurationError when `data` is not one line or `eta` is not a valid Date.
   * @throws QueueWriteException when the file cannot be written.
   */
  async schedule(data: string, eta: Date): Promise<void> {
    if (typeof data !== 'string') check.expected('data', 'a string', data);
    checkOneLine(data);
    check.date('eta', eta);
    await this.#io(QueueWriteException, `Could not schedule in ${this.#dirs.schedule}`, () => writeAtomically(this.#dirs.tmp, join(this.#dirs.schedule, `${timeField(eta.getTime())}-${sortableName()}.json`), data, { ...this.#options, spares: this.#spares, blanks: this.#blanks }));
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
    return this.#io(QueueReadException, `Could not take due messages from ${this.#dirs.schedule}`, () => this.#claims.takeDue(now.getTime(), limit));
  }

  /**
   * Reads the earliest eta from the names in `schedule/`.
   *
   * @returns The earliest eta, or `null` when nothing is scheduled.
   * @throws QueueReadException when the directory cannot be read.
   */
  async nextEta(): Promise<Date | null> {
    return this.#io(QueueReadException, `Could not list ${this.#dirs.schedule}`, () => nextEtaIn(this.#dirs));
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
    await this.#io(QueueWriteException, `Could not dead-letter into ${this.#dirs.dead}`, () => deadLetterIn(this.#dirs, this.#claims.release(data), data, reason, this.#options));
  }

  /**
   * Reads the dead letters, oldest first.
   *
   * @returns Each message with its reason and when it was dead-lettered.
   * @throws QueueReadException when the directory cannot be read.
   */
  async deadLetters(): Promise<DeadLetter[]> {
    return this.#io(QueueReadException, `Could not list ${this.#dirs.dead}`, () => deadLettersIn(this.#dirs));
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
    return this.#io(QueueException, `Could not take lease "${key}" in ${this.#dirs.leases}`, () => takeLease(this.#dirs.leases, this.#dirs.tmp, key, ttlMs, this.#options));
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
    this.#blanks.close();
    this.#claims.clear();
    await wrapped(QueueException, `Could not give back the claims of ${this.consumerId}`, () => this.#membership.leave());
  }

  #ready(): Promise<void> {
    const { dirMode, path } = this.#options;
    this.#made ??= makeDirs(dirMode, path, this.#spares.dir, ...Object.values(this.#dirs)).catch((error: unknown) => {
      this.#made = undefined;
      throw error;
    });
    return this.#made;
  }

  // Inspection and trace (huey info, peek, trace, dead-letters), appended after the backend's own members.

  /**
   * Appends a line to `trace.log` in the queue's directory (one `O_APPEND`
   * write, so lines of several processes do not interleave). Past 4 MiB the
   * file is rotated to `trace.log.1`, replacing the older one.
   *
   * @param line - One line of JSON.
   * @throws QueueWriteException when the file cannot be written.
   */
  async traceAppend(line: string): Promise<void> {
    await this.#io(QueueWriteException, `Could not append to ${this.#trace.file}`, () => this.#trace.append(line));
  }

  /**
   * Reads `trace.log.1` then `trace.log`, oldest first.
   *
   * @param taskId - When given, only the lines about that task.
   * @throws QueueReadException when a file exists but cannot be read.
   */
  async traceRead(taskId?: string): Promise<string[]> {
    return wrapped(QueueReadException, `Could not read ${this.#trace.file}`, () => this.#trace.read(taskId));
  }

  /**
   * The next messages of `ready/`, oldest first, read without being claimed.
   *
   * @param limit - The most to return.
   * @throws QueueReadException when the directory cannot be read.
   */
  async waiting(limit: number): Promise<string[]> {
    return this.#io(QueueReadException, `Could not list ${this.#dirs.ready}`, () => waitingIn(this.#dirs, limit));
  }

  /**
   * The messages of `schedule/`, earliest first, with the eta their names start with.
   *
   * @param limit - The most to return.
   * @throws QueueReadException when the directory cannot be read.
   */
  async scheduled(limit: number): Promise<ScheduledMessage[]> {
    return this.#io(QueueReadException, `Could not list ${this.#dirs.schedule}`, () => scheduledIn(this.#dirs, limit));
  }

  /**
   * The files of `claimed/<consumer>/`; a claim's time is the file's ctime,
   * which the claiming rename sets.
   *
   * @throws QueueReadException when the directory cannot be read.
   */
  async claims(): Promise<ClaimedMessage[]> {
    return this.#io(QueueReadException, `Could not list ${this.#dirs.claimed}`, () => claimsIn(this.#dirs));
  }

  /**
   * The consumers of `consumers/` (heartbeat files: last beat is the
   * mtime) and of `claimed/` (a claims directory without a heartbeat is a
   * dead consumer's), each alive or dead by the rules of {@link FileQueue.recover}.
   *
   * @throws QueueReadException when the directories cannot be read.
   */
  async consumers(): Promise<ConsumerInfo[]> {
    return this.#io(QueueReadException, `Could not list ${this.#dirs.consumers}`, () => consumersIn(this.#dirs, { id: this.consumerId, open: !this.#closed }, this.#options.heartbeatMs));
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
    return this.#io(QueueWriteException, `Could not requeue from ${this.#dirs.dead}`, () => requeueDeadLetterIn(this.#dirs, letter));
  }

  /**
   * Deletes every file of `dead/`.
   *
   * @returns How many dead letters there were.
   * @throws QueueException when the directory cannot be read.
   */
  async purgeDeadLetters(): Promise<number> {
    return this.#io(QueueException, `Could not purge ${this.#dirs.dead}`, () => purgeDeadLettersIn(this.#dirs));
  }

  // Controls of calls: revocations and locks (the work is in ./file/revocations.ts and ./file/locks.ts).

  /** Writes `revoked/<key>.json`, replacing one there. */
  async revoke(key: string, revocation: Revocation): Promise<void> {
    await this.#io(QueueWriteException, `Could not revoke in ${this.#dirs.revoked}`, () => revokeIn(this.#dirs.revoked, this.#dirs.tmp, key, revocation, this.#options));
  }

  /** Deletes `revoked/<key>.json`; `true` when it was in force. */
  async restore(key: string): Promise<boolean> {
    return this.#io(QueueWriteException, `Could not restore in ${this.#dirs.revoked}`, () => restoreIn(this.#dirs.revoked, key));
  }

  /** Reads `revoked/<key>.json` for each key (a `once` one is taken by a rename). */
  async revoked(keys: string[], now: Date): Promise<string | null> {
    return this.#io(QueueReadException, `Could not read ${this.#dirs.revoked}`, async () => revokedIn(this.#dirs.revoked, this.#dirs.tmp, keys, now));
  }

  /** The files of `revoked/` in force at `now`. */
  async revocations(now: Date): Promise<RevocationEntry[]> {
    return this.#io(QueueReadException, `Could not list ${this.#dirs.revoked}`, () => revocationsIn(this.#dirs.revoked, now));
  }

  /** Creates the next generation of `locks/<name>.*.lock` when the newest is free (a hard link: one caller wins). */
  async lock(name: string, token: string, ttlMs: number): Promise<boolean> {
    return this.#io(QueueException, `Could not lock "${name}" in ${this.#dirs.locks}`, () => lockIn(this.#dirs.locks, this.#dirs.tmp, name, token, ttlMs, this.#options));
  }

  /** Sets the mtime of the lock's file, when `token` holds it. */
  async renewLock(name: string, token: string): Promise<boolean> {
    return this.#io(QueueException, `Could not renew lock "${name}" in ${this.#dirs.locks}`, () => renewLockIn(this.#dirs.locks, name, token));
  }

  /** Deletes the lock's file, when `token` holds it. */
  async unlock(name: string, token: string): Promise<boolean> {
    return this.#io(QueueException, `Could not unlock "${name}" in ${this.#dirs.locks}`, () => unlockIn(this.#dirs.locks, name, token));
  }

  async isLocked(name: string): Promise<boolean> {
    return (await this.locks()).includes(name);
  }

  async locks(): Promise<string[]> {
    return this.#io(QueueReadException, `Could not list ${this.#dirs.locks}`, () => locksIn(this.#dirs.locks));
  }

  async flushLocks(): Promise<number> {
    return this.#io(QueueException, `Could not flush ${this.#dirs.locks}`, () => flushLocksIn(this.#dirs.locks));
  }

  /** Runs `work` once the directories exist, its failures wrapped in `Wrapper` with `message`. */
  #io<T>(Wrapper: typeof QueueException, message: string, work: () => Promise<T>): Promise<T> {
    return wrapped(Wrapper, message, async () => {
      await this.#ready();
      return work();
    });
  }
}
