/**
 * What a file queue offers beyond the verbs of the contract: dead letters,
 * the periodic lease, inspection (`huey info`, `peek`, `web`), the trace,
 * and the controls of calls (revocations, locks). `FileQueue` extends this
 * class, so that `file.ts` holds the protocol a message goes through and
 * reads without these; each member here is one call of a helper module.
 *
 * @internal
 * @module
 */
import { QueueException, QueueReadException, QueueWriteException } from '../../exceptions.js';
import * as check from '../../core/validate.js';
import { BaseQueue } from '../base.js';
import type { DeadLetter } from '../dead-letters.js';
import type { ClaimedMessage, ConsumerInfo, ScheduledMessage } from '../inspection.js';
import type { Revocation, RevocationEntry } from '../revocations.js';
import { safeName, wrapped } from './common.js';
import { deadLetterIn, deadLettersIn, purgeDeadLettersIn, requeueDeadLetterIn } from './dead.js';
import { claimsIn, consumersIn, scheduledIn, waitingIn } from './inspect.js';
import { takeLease } from './lease.js';
import { flushLocksIn, lockIn, locksIn, renewLockIn, unlockIn } from './locks.js';
import type { QueueParts } from './parts.js';
import { restoreIn, revocationsIn, revokedIn, revokeIn } from './revocations.js';

/** The members of `FileQueue` that are not the protocol's. */
export abstract class FileQueueCapabilities extends BaseQueue {
  readonly #q: QueueParts;

  /**
   * @param name - The queue's name.
   * @param connection - The options as given.
   * @param parts - The queue object's directories and helpers, shared with `FileQueue`.
   */
  protected constructor(name: string, connection: object, parts: QueueParts) {
    super(name, connection);
    this.#q = parts;
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
    const { dirs, options, claims } = this.#q;
    await this.#q.io(QueueWriteException, `Could not dead-letter into ${dirs.dead}`, () => deadLetterIn(dirs, claims.release(data), data, reason, options));
  }

  /**
   * Reads the dead letters, oldest first.
   *
   * @returns Each message with its reason and when it was dead-lettered.
   * @throws QueueReadException when the directory cannot be read.
   */
  async deadLetters(): Promise<DeadLetter[]> {
    return this.#q.io(QueueReadException, `Could not list ${this.#q.dirs.dead}`, () => deadLettersIn(this.#q.dirs));
  }

  /**
   * Moves a dead letter back to the tail of `ready/` (under a new name, so
   * it sorts last) and deletes its `.reason`.
   *
   * @param letter - As `deadLetters` returned it.
   * @returns `false` when it is no longer in `dead/`.
   * @throws QueueWriteException when the files cannot be moved.
   */
  async requeueDeadLetter(letter: DeadLetter): Promise<boolean> {
    return this.#q.io(QueueWriteException, `Could not requeue from ${this.#q.dirs.dead}`, () => requeueDeadLetterIn(this.#q.dirs, letter));
  }

  /**
   * Deletes every file of `dead/`.
   *
   * @returns How many dead letters there were.
   * @throws QueueException when the directory cannot be read.
   */
  async purgeDeadLetters(): Promise<number> {
    return this.#q.io(QueueException, `Could not purge ${this.#q.dirs.dead}`, () => purgeDeadLettersIn(this.#q.dirs));
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
    const { dirs, options } = this.#q;
    return this.#q.io(QueueException, `Could not take lease "${key}" in ${dirs.leases}`, () => takeLease(dirs.leases, dirs.tmp, key, ttlMs, options));
  }

  /**
   * The next messages of `ready/`, oldest first, read without being claimed.
   *
   * @param limit - The most to return.
   * @throws QueueReadException when the directory cannot be read.
   */
  async waiting(limit: number): Promise<string[]> {
    return this.#q.io(QueueReadException, `Could not list ${this.#q.dirs.ready}`, () => waitingIn(this.#q.dirs, limit));
  }

  /**
   * The messages of `schedule/`, earliest first, with the eta their names start with.
   *
   * @param limit - The most to return.
   * @throws QueueReadException when the directory cannot be read.
   */
  async scheduled(limit: number): Promise<ScheduledMessage[]> {
    return this.#q.io(QueueReadException, `Could not list ${this.#q.dirs.schedule}`, () => scheduledIn(this.#q.dirs, limit));
  }

  /**
   * The files of `claimed/<consumer>/`; a claim's time is the file's ctime,
   * which the claiming rename sets.
   *
   * @throws QueueReadException when the directory cannot be read.
   */
  async claims(): Promise<ClaimedMessage[]> {
    return this.#q.io(QueueReadException, `Could not list ${this.#q.dirs.claimed}`, () => claimsIn(this.#q.dirs));
  }

  /**
   * The consumers of `consumers/` (heartbeat files: last beat is the
   * mtime) and of `claimed/` (a claims directory without a heartbeat is a
   * dead consumer's), each alive or dead by the rules of `FileQueue.recover`.
   *
   * @throws QueueReadException when the directories cannot be read.
   */
  async consumers(): Promise<ConsumerInfo[]> {
    const { dirs, membership, options } = this.#q;
    return this.#q.io(QueueReadException, `Could not list ${dirs.consumers}`, () => consumersIn(dirs, { id: membership.id, open: !this.#q.closed }, options.heartbeatMs));
  }

  /**
   * Appends a line to `trace.log` in the queue's directory (one `O_APPEND`
   * write, so lines of several processes do not interleave). Past 4 MiB the
   * file is rotated to `trace.log.1`, replacing the older one.
   *
   * @param line - One line of JSON.
   * @throws QueueWriteException when the file cannot be written.
   */
  async traceAppend(line: string): Promise<void> {
    await this.#q.io(QueueWriteException, `Could not append to ${this.#q.trace.file}`, () => this.#q.trace.append(line));
  }

  /**
   * Reads `trace.log.1` then `trace.log`, oldest first.
   *
   * @param taskId - When given, only the lines about that task.
   * @throws QueueReadException when a file exists but cannot be read.
   */
  async traceRead(taskId?: string): Promise<string[]> {
    return wrapped(QueueReadException, `Could not read ${this.#q.trace.file}`, () => this.#q.trace.read(taskId));
  }

  // Controls of calls: revocations and locks (the work is in ./revocations.ts and ./locks.ts).

  /** Writes `revoked/<key>.json`, replacing one there. */
  async revoke(key: string, revocation: Revocation): Promise<void> {
    const { dirs, options } = this.#q;
    await this.#q.io(QueueWriteException, `Could not revoke in ${dirs.revoked}`, () => revokeIn(dirs.revoked, dirs.tmp, key, revocation, options));
  }

  /** Deletes `revoked/<key>.json`; `true` when it was in force. */
  async restore(key: string): Promise<boolean> {
    return this.#q.io(QueueWriteException, `Could not restore in ${this.#q.dirs.revoked}`, () => restoreIn(this.#q.dirs.revoked, key));
  }

  /** Reads `revoked/<key>.json` for each key (a `once` one is taken by a rename). */
  async revoked(keys: string[], now: Date): Promise<string | null> {
    const { dirs } = this.#q;
    return this.#q.io(QueueReadException, `Could not read ${dirs.revoked}`, async () => revokedIn(dirs.revoked, dirs.tmp, keys, now));
  }

  /** The files of `revoked/` in force at `now`. */
  async revocations(now: Date): Promise<RevocationEntry[]> {
    return this.#q.io(QueueReadException, `Could not list ${this.#q.dirs.revoked}`, () => revocationsIn(this.#q.dirs.revoked, now));
  }

  /** Creates the next generation of `locks/<name>.*.lock` when the newest is free (a hard link: one caller wins). */
  async lock(name: string, token: string, ttlMs: number): Promise<boolean> {
    const { dirs, options } = this.#q;
    return this.#q.io(QueueException, `Could not lock "${name}" in ${dirs.locks}`, () => lockIn(dirs.locks, dirs.tmp, name, token, ttlMs, options));
  }

  /** Sets the mtime of the lock's file, when `token` holds it. */
  async renewLock(name: string, token: string): Promise<boolean> {
    return this.#q.io(QueueException, `Could not renew lock "${name}" in ${this.#q.dirs.locks}`, () => renewLockIn(this.#q.dirs.locks, name, token));
  }

  /** Deletes the lock's file, when `token` holds it. */
  async unlock(name: string, token: string): Promise<boolean> {
    return this.#q.io(QueueException, `Could not unlock "${name}" in ${this.#q.dirs.locks}`, () => unlockIn(this.#q.dirs.locks, name, token));
  }

  /** `true` while the lock `name` is held (its file is in `locks/` and its lease runs). */
  async isLocked(name: string): Promise<boolean> {
    return (await this.locks()).includes(name);
  }

  /** The names of the locks held now. */
  async locks(): Promise<string[]> {
    return this.#q.io(QueueReadException, `Could not list ${this.#q.dirs.locks}`, () => locksIn(this.#q.dirs.locks));
  }

  /** Releases every lock, whoever holds it; how many were held. */
  async flushLocks(): Promise<number> {
    return this.#q.io(QueueException, `Could not flush ${this.#q.dirs.locks}`, () => flushLocksIn(this.#q.dirs.locks));
  }
}
