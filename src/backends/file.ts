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
 *                                      and (with `pools`) empty `*.blank` files a writer made ahead to fill
 *     trace.log, trace.log.1           the trace (with TRACE on), one JSON line an event; rotated at 4 MB
 *     records/history.log, .log.1      the last finished calls (HISTORY), one JSON line each; rotated
 *     records/counters/<consumer>.json each consumer's counters of calls, for /metrics
 *   stores/<store name>/
 *     values/<key>                     one value a key (a task id for results): the message that
 *                                      produced it on the first line (empty after put), then the value
 *     tmp/                             values being written or taken
 *   spare/<slot>                       with `pools`: at most 128 files done with (a value read, a message
 *                                      acknowledged), filled by the next writes instead of new files
 * ```
 *
 * How the guarantees are kept, each in one module:
 * - A write goes to `tmp/` and is renamed into `ready/`: a reader never sees
 *   a part (`file/common.ts`). With `pools` on, the file written is one made
 *   ahead, a spare or a blank, which saves creating one (`file/pools.ts`).
 * - A read renames the oldest file of `ready/` into `claimed/<consumer>/`: of
 *   several consumers, exactly one rename succeeds. A reader lists `ready/`
 *   once and takes the names in order, so a read costs a rename and a file
 *   read, not a directory scan (`file/claims.ts`). `ack` takes the file out
 *   of the claims: deleted, or given to the pools.
 * - `finish` appends the result to the claimed file and renames it into the
 *   store: one rename stores the result and acknowledges the message
 *   (`file/finish.ts`). A crash before it leaves the message claimed, and
 *   recovery runs it again.
 * - `recover` moves the claims of dead consumers back to `ready/`: dead when
 *   the heartbeat file is missing, the process gone (same host), or the
 *   heartbeat older than `heartbeatTimeout` (`file/consumers.ts`).
 * - `due` renames due files out of `schedule/` into the caller's claims: each
 *   is handed out once, and a crash before it ran returns it through `recover`.
 *
 * @module
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DataStorePutException, QueueException, QueueReadException, QueueWriteException } from '../exceptions.js';
import * as check from '../core/validate.js';
import type { BaseDataStore } from './base.js';
import type { DeliveryCount } from './deliveries.js';
import { FileQueueCapabilities } from './file/capabilities.js';
import { listMessages } from './file/claims.js';
import { resolveOptions, safeName, sortableName, timeField, unlessMissing, wrapped, type FileQueueOptions } from './file/common.js';
import { recoverDead } from './file/consumers.js';
import { finishClaim } from './file/finish.js';
import { checkOneLine } from './file/format.js';
import { nextEtaIn } from './file/inspect.js';
import { QueueParts } from './file/parts.js';
import { writeThrough } from './file/pools.js';
import { jumpsAhead, readyName } from './file/priority.js';
import { FileDataStore } from './file/store.js';
import { FileRecords } from './file/records.js';
import type { KeepsRecords, Records } from './records.js';

export { FileDataStore } from './file/store.js';
export type { FileDataStoreOptions, FileOptions, FileQueueOptions } from './file/common.js';

const QUEUE_OPTIONS = ['path', 'fsync', 'watch', 'pollInterval', 'dirMode', 'fileMode', 'heartbeatTimeout', 'pools'] as const;

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
export class FileQueue extends FileQueueCapabilities implements DeliveryCount, KeepsRecords {
  // the protocol's verbs; dead letters, the lease, inspection, the trace and the controls are in ./file/capabilities.ts
  /** Always `true`: a read waits for a write, woken by a directory watch. */
  readonly blocking = true;
  /** `true`: reads take the highest priority first. */
  override readonly priorities = true;
  /** The queue's directory: `<path>/queues/<name>`. */
  readonly directory: string;
  /** This object's name among the consumers: its claims are in `claimed/<consumerId>`. */
  readonly consumerId: string;
  /** Directories, options, claims, membership, watch, trace and pools (`file/parts.ts`). */
  readonly #q: QueueParts;
  /** Stores on another file system than this queue: `finish` cannot rename into them. */
  readonly #unreachable = new WeakSet<FileDataStore>();
  /**
   * Where the controls this queue does not keep itself (deliveries,
   * progress) live: the store `<path>/stores/<name>.controls`, beside it.
   */
  override readonly controlStore: FileDataStore;
  /** The history of finished calls and the counters of `/metrics`: `records/` in the queue's directory (`file/records.ts`). */
  readonly records: Records;

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
    const parts = new QueueParts(name, resolveOptions('FileQueue', options, QUEUE_OPTIONS));
    super(name, options, parts);
    this.#q = parts;
    this.directory = this.#q.directory;
    this.consumerId = this.#q.membership.id;
    const { heartbeatTimeout: _, ...shared } = options;
    this.controlStore = new FileDataStore(`${name}.controls`, shared);
    this.records = new FileRecords(join(this.directory, 'records'), this.#q.dirs.tmp, this.consumerId, this.#q.options);
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
    const { dirs, options, pools, hint, claims } = this.#q;
    await this.#q.io(QueueWriteException, `Could not write to ${dirs.ready}`, async () => {
      await writeThrough(pools, dirs.tmp, join(dirs.ready, readyName(data)), data, options);
      if (jumpsAhead(data)) await hint.raise();
      const claim = claims.release(data, true);
      if (claim !== undefined) await pools.give(claim.file);
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
    const { dirs, claims, waker } = this.#q;
    return this.#q.io(QueueReadException, `Could not read from ${dirs.ready}`, async () => {
      const look = async (): Promise<string[] | undefined> => {
        const taken = await claims.take(count);
        return taken.length > 0 ? taken : undefined;
      };
      return (await waker.until(look, timeoutMs)) ?? [];
    });
  }

  /**
   * Removes every waiting message (claimed and scheduled ones stay).
   *
   * @returns A promise that settles once `ready/` is empty of what it held.
   * @throws QueueException when the directory cannot be read.
   */
  async flush(): Promise<void> {
    const { ready } = this.#q.dirs;
    await this.#q.io(QueueException, `Could not flush ${ready}`, async () => {
      for (const name of await listMessages(ready)) await unlessMissing(unlink(join(ready, name)), undefined);
      this.#q.claims.relist();
    });
  }

  /**
   * Counts the waiting messages (one directory listing).
   *
   * @returns The number of message files in `ready/`.
   * @throws QueueException when the directory cannot be read.
   */
  async length(): Promise<number> {
    const { ready } = this.#q.dirs;
    return this.#q.io(QueueException, `Could not list ${ready}`, async () => (await listMessages(ready)).length);
  }

  /**
   * The deliveries of a message this object holds claimed: one more than
   * the times its file went back to `ready/` unfinished (each adds a
   * `#returned` line after the message, see `file/format.ts`).
   *
   * @param data - The message as read.
   */
  deliveries(data: string): number {
    return 1 + (this.#q.claims.held(data)?.returns ?? 0);
  }

  /**
   * Forgets a message this object read: its file leaves the claims (given
   * to the pools for a later write to fill, or deleted). A message
   * recovered meanwhile by another consumer (this one was taken for dead)
   * is not an error: it will simply run again.
   *
   * @param data - The message exactly as {@link FileQueue.read} or {@link FileQueue.due} returned it.
   * @returns A promise that settles once the file has left the claims.
   * @throws QueueException when the file cannot be moved or deleted.
   */
  async ack(data: string): Promise<void> {
    const claim = this.#q.claims.release(data);
    if (claim === undefined) return;
    await wrapped(QueueException, `Could not acknowledge ${claim.file}`, () => this.#q.pools.give(claim.file));
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
    const { claims, options } = this.#q;
    const claim = claims.release(data);
    if (claim === undefined) return false;
    return wrapped(DataStorePutException, `Could not store the result of ${key} and acknowledge its message (${claim.file})`, async () => {
      const moved = await finishClaim(claims, data, claim, () => store.valueFile(key), value, options.fsync);
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
    const { dirs, options, claims } = this.#q;
    return this.#q.io(QueueException, `Could not recover claims in ${dirs.claimed}`, async () => {
      const count = await recoverDead(dirs, this.consumerId, options.heartbeatMs);
      // the recovered names are older than our listing's: list again so they are read first
      if (count > 0) claims.relist();
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
    const { dirs, options, pools } = this.#q;
    const target = join(dirs.schedule, `${timeField(eta.getTime())}-${sortableName()}.json`);
    await this.#q.io(QueueWriteException, `Could not schedule in ${dirs.schedule}`, () => writeThrough(pools, dirs.tmp, target, data, options));
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
    return this.#q.io(QueueReadException, `Could not take due messages from ${this.#q.dirs.schedule}`, () => this.#q.claims.takeDue(now.getTime(), limit));
  }

  /**
   * Reads the earliest eta from the names in `schedule/`.
   *
   * @returns The earliest eta, or `null` when nothing is scheduled.
   * @throws QueueReadException when the directory cannot be read.
   */
  async nextEta(): Promise<Date | null> {
    return this.#q.io(QueueReadException, `Could not list ${this.#q.dirs.schedule}`, () => nextEtaIn(this.#q.dirs));
  }

  /**
   * Stops the heartbeat and the directory watch, wakes blocked reads with
   * `null`, deletes the files made ahead, and gives this object's claims
   * back: messages read and not acknowledged go back to `ready/` at once.
   *
   * @returns A promise that settles once the claims are back and the heartbeat file is removed.
   * @throws QueueException when the claims cannot be moved back.
   */
  async close(): Promise<void> {
    this.#q.closed = true;
    this.#q.waker.close();
    this.#q.pools.close();
    this.#q.claims.clear();
    await this.controlStore.close();
    await wrapped(QueueException, `Could not give back the claims of ${this.consumerId}`, () => this.#q.membership.leave());
  }
}
