/**
 * Who holds which claims, and whether they are still alive: each queue
 * object that takes messages has a claims directory `claimed/<id>/` and a
 * heartbeat file `consumers/<id>.json` whose mtime a timer keeps fresh.
 *
 * @internal
 * @module
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { appendFile, readdir, readFile, rename, rmdir, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isNotFound, makeDirs, processAlive, unlessMissing, writeAtomically, type ResolvedOptions } from './common.js';
import { namedAt, RETURNED } from './format.js';

/** The directories of a queue that claims involve. */
export interface ClaimDirs {
  ready: string;
  claimed: string;
  consumers: string;
  tmp: string;
}

const heartbeatFile = (dirs: ClaimDirs, id: string): string => join(dirs.consumers, `${id}.json`);

/**
 * One queue object's place among the consumers: its claims directory and
 * its heartbeat. Nothing is written until the object first takes a message.
 */
export class Membership {
  /** Unique among the consumers of all hosts: `<pid>-<random>`. */
  readonly id = `${process.pid}-${randomBytes(4).toString('hex')}`;
  readonly #dirs: ClaimDirs;
  readonly #options: ResolvedOptions;
  #enrolment: Promise<string> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #left = false;

  /**
   * @param dirs - The queue's directories.
   * @param options - Modes and the heartbeat timeout.
   */
  constructor(dirs: ClaimDirs, options: ResolvedOptions) {
    this.#dirs = dirs;
    this.#options = options;
  }

  /**
   * Writes the heartbeat file, then creates the claims directory, then
   * starts the beat: in that order, so a claims directory without a
   * heartbeat file always means a consumer that is gone.
   *
   * @returns The claims directory.
   */
  enrol(): Promise<string> {
    this.#enrolment ??= (async () => {
      await this.#beat();
      const mine = join(this.#dirs.claimed, this.id);
      await makeDirs(this.#options.dirMode, mine);
      if (this.#timer === undefined && !this.#left) {
        // a third of the timeout: two beats may be late before anyone takes us for dead
        this.#timer = setInterval(() => void this.#touch(), Math.max(10, this.#options.heartbeatMs / 3));
        // the heartbeat alone never keeps a process running
        this.#timer.unref();
      }
      return mine;
    })().catch((error: unknown) => {
      this.#enrolment = undefined;
      throw error;
    });
    return this.#enrolment;
  }

  /** Checks that the claims directory is still there, enrolling again when a recoverer took this object for dead. */
  async verify(): Promise<void> {
    if (this.#enrolment === undefined) return;
    const mine = await this.#enrolment;
    if (!(await unlessMissing(stat(mine).then(() => true), false))) this.#enrolment = undefined;
  }

  /**
   * Stops the heartbeat and gives every claim back to `ready/`, then removes
   * the claims directory and the heartbeat file.
   */
  async leave(): Promise<void> {
    this.#left = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#enrolment === undefined) return;
    this.#enrolment = undefined;
    const mine = join(this.#dirs.claimed, this.id);
    for (const name of await unlessMissing(readdir(mine), [])) await giveBack(join(mine, name), join(this.#dirs.ready, name));
    await unlessMissing(rmdir(mine), undefined);
    await unlessMissing(unlink(heartbeatFile(this.#dirs, this.id)), undefined);
  }

  #beat(): Promise<void> {
    const info = JSON.stringify({ host: hostname(), pid: process.pid, startedAt: new Date().toISOString() });
    return writeAtomically(this.#dirs.tmp, heartbeatFile(this.#dirs, this.id), info, { ...this.#options, fsync: false });
  }

  async #touch(): Promise<void> {
    if (this.#left) return;
    const now = new Date();
    try {
      await utimes(heartbeatFile(this.#dirs, this.id), now, now);
    } catch (error) {
      // a recoverer removed it (this process stalled past the timeout): beat again; any other failure retries at the next beat
      if (isNotFound(error)) await this.#beat().catch(() => undefined);
    }
  }
}

/** The suffix a recoverer gives a dead consumer's claim while it marks it. */
const STAGED = /\.returning-[^/]*$/;

/**
 * Puts a claimed message back into `ready/`, marked as returned unfinished
 * once more (its deliveries count it). The mark is made while the file is
 * still in the caller's claims, so a crash in between returns it again.
 */
async function giveBack(claimed: string, ready: string): Promise<void> {
  // append, never create: a file acknowledged meanwhile stays gone
  await unlessMissing(appendFile(claimed, RETURNED, { flag: constants.O_WRONLY | constants.O_APPEND }), undefined);
  await unlessMissing(rename(claimed, ready), undefined);
}

/**
 * Whether the consumer `id` is gone: its heartbeat file is missing, or its
 * process no longer runs on this host, or it has not beaten for `timeoutMs`.
 *
 * @param dirs - The queue's directories.
 * @param id - The consumer's id (its claims directory's name).
 * @param timeoutMs - The heartbeat timeout.
 */
export async function isDead(dirs: ClaimDirs, id: string, timeoutMs: number): Promise<boolean> {
  const file = heartbeatFile(dirs, id);
  const [text, info] = await Promise.all([unlessMissing(readFile(file, 'utf8'), undefined), unlessMissing(stat(file), undefined)]);
  if (text === undefined || info === undefined) return true;
  let owner: { host?: unknown; pid?: unknown };
  try {
    owner = JSON.parse(text) as typeof owner;
  } catch {
    // a heartbeat file edited by hand: its age still tells
    owner = {};
  }
  if (owner.host === hostname() && typeof owner.pid === 'number' && !processAlive(owner.pid)) return true;
  return Date.now() - info.mtimeMs > timeoutMs;
}

/**
 * Moves the claims of every dead consumer but `self` back to `ready/` and
 * removes their traces: claims directories, heartbeat files, and temp files
 * older than the timeout or a minute (left by writers killed mid-write).
 *
 * @param dirs - The queue's directories.
 * @param self - The caller's own id, never recovered.
 * @param timeoutMs - The heartbeat timeout.
 * @returns How many messages came back.
 */
export async function recoverDead(dirs: ClaimDirs, self: string, timeoutMs: number): Promise<number> {
  let count = 0;
  for (const id of await readdir(dirs.claimed)) {
    if (id === self || !(await isDead(dirs, id, timeoutMs))) continue;
    const dir = join(dirs.claimed, id);
    for (const name of await unlessMissing(readdir(dir), [])) {
      // several recoverers may race: the one whose rename to its own staged name succeeds gives it back, once
      // (a name staged by a recoverer that died meanwhile is taken over the same way)
      const original = name.replace(STAGED, '');
      const staged = join(dir, `${original}.returning-${self}`);
      if (!(await unlessMissing(rename(join(dir, name), staged).then(() => true), false))) continue;
      await giveBack(staged, join(dirs.ready, original));
      count++;
    }
    await rmdir(dir).catch((error: NodeJS.ErrnoException) => {
      // a consumer taken for dead that still runs may have claimed again: the next recovery takes those
      if (error.code !== 'ENOENT' && error.code !== 'ENOTEMPTY') throw error;
    });
    await unlessMissing(unlink(heartbeatFile(dirs, id)), undefined);
  }
  const claimants = new Set(await readdir(dirs.claimed));
  for (const file of await readdir(dirs.consumers)) {
    const id = file.replace(/\.json$/, '');
    if (id !== self && !claimants.has(id) && (await isDead(dirs, id, timeoutMs))) await unlessMissing(unlink(join(dirs.consumers, file)), undefined);
  }
  // a write takes microseconds; a minute leaves room for a slow disk with fsync, whatever the heartbeat timeout
  const cutoff = Date.now() - Math.max(timeoutMs, 60_000);
  for (const file of await readdir(dirs.tmp)) {
    const path = join(dirs.tmp, file);
    // a temp file's name starts with when it was made: a spare file renamed there a moment ago has an old mtime
    const made = namedAt(file) ?? (await unlessMissing(stat(path), undefined))?.mtimeMs;
    if (made !== undefined && made < cutoff) await unlessMissing(unlink(path), undefined);
  }
  return count;
}
