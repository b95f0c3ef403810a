/**
 * Taking messages: a queue object lists `ready/` once and claims the names
 * of that listing in order, each by a rename into its claims directory, so
 * a read costs a rename and a file read, not a directory scan. Of several
 * consumers renaming one file, exactly one succeeds.
 *
 * The rename and the read are synchronous calls: each takes about 15–40 µs
 * in the kernel, less than one trip through libuv's thread pool (4 threads,
 * about 50–100 µs a trip here), and a consumer's calls keep that pool busy
 * with their own file work (writing results), so an asynchronous claim
 * waits behind them: at THREADS 50 that wait, not the disk, set the drain
 * rate. Blocking the event loop for tens of microseconds a message is the
 * cheaper price. Listings stay asynchronous: a large `ready/` takes
 * milliseconds to list.
 *
 * @internal
 * @module
 */
import { readFileSync, renameSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound } from './common.js';
import type { Membership } from './consumers.js';
import { etaOf, isMessage, isScheduled, messageOf } from './format.js';
import { PriorityHint } from './priority.js';

/**
 * The message files of `dir`, sorted by name (first in, first out): files
 * only, so a directory named like a message is never taken.
 *
 * @param dir - A directory of message files.
 */
export async function listMessages(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((entry) => !entry.isDirectory() && isMessage(entry.name)).map((entry) => entry.name).sort();
}

/** A message this queue object holds. */
export interface Claim {
  /** Where its file is: `claimed/<consumer>/<name>`. */
  file: string;
  /** `true` when `due` took it from `schedule/`, not a read from `ready/`. */
  fromSchedule: boolean;
  /** The message line's size in bytes: the file is cut back to it before a value is appended, and after a failed append. */
  size: number;
  /** `true` when the file held the message line alone (see `format.ts`). */
  bare: boolean;
  /** How many times the message came back unfinished before this claim. */
  returns: number;
}

/** One queue object's claims: the listing it takes from, and the messages it holds until acknowledged. */
export class Claims {
  readonly #ready: string;
  readonly #schedule: string;
  readonly #membership: Membership;
  /** Names of `ready/` from one listing, taken in order. */
  #listing: string[] = [];
  #next = 0;
  /** A claim failed since the last listing: another consumer was first. */
  #missed = false;
  /** The messages held, by content (messages are unique by id); a list, as one message may be held twice after a recovery. */
  #held = new Map<string, Claim[]>();
  /** Raised by writers of a higher priority than the listing's: list again. */
  readonly #hint: PriorityHint;

  /**
   * @param dirs - The queue's `ready/` and `schedule/` directories.
   * @param membership - Where this object's claims directory is.
   * @param hint - The queue's priority hint.
   */
  constructor(dirs: { ready: string; schedule: string }, membership: Membership, hint: PriorityHint) {
    this.#ready = dirs.ready;
    this.#schedule = dirs.schedule;
    this.#membership = membership;
    this.#hint = hint;
  }

  /**
   * Claims up to `count` messages of `ready/`, oldest first, from the
   * listing already held; lists `ready/` again only when that listing is
   * used up and nothing was taken yet.
   *
   * @param count - The most messages to take.
   * @returns The messages taken; empty when `ready/` holds none.
   */
  async take(count: number): Promise<string[]> {
    const taken: string[] = [];
    let mine: string | undefined;
    // a message of higher priority came after our listing: its name sorts before the rest of it
    if (this.#next < this.#listing.length && this.#hint.changed()) this.relist();
    while (taken.length < count) {
      if (this.#next >= this.#listing.length) {
        if (taken.length > 0) break;
        // a whole listing taken by others may instead mean our claims directory is gone: check once a listing
        if (this.#missed) {
          await this.#membership.verify();
          mine = undefined;
        }
        this.#missed = false;
        this.#hint.listed(this.#hint.size());
        this.#listing = await listMessages(this.#ready);
        this.#next = 0;
        if (this.#listing.length === 0) break;
      }
      // enrolled at the first claim, not before: a reader of an empty queue writes nothing
      mine ??= await this.#membership.enrol();
      let data: string | null;
      try {
        data = this.claim(mine, this.#ready, this.#listing[this.#next++]!, false);
      } catch (error) {
        // the messages already claimed are returned, not stranded in our claims; the next take meets the error again
        if (taken.length > 0) break;
        throw error;
      }
      if (data !== null) taken.push(data);
    }
    return taken;
  }

  /**
   * Claims up to `limit` messages of `schedule/` whose eta is at or before
   * `now`, earliest first.
   *
   * @param now - The instant, in ms.
   * @param limit - The most messages to take.
   */
  async takeDue(now: number, limit: number): Promise<string[]> {
    const taken: string[] = [];
    let mine: string | undefined;
    for (const name of (await readdir(this.#schedule)).filter(isScheduled).sort()) {
      if (taken.length >= limit || etaOf(name) > now) break;
      mine ??= await this.#membership.enrol();
      const data = this.claim(mine, this.#schedule, name, true);
      if (data !== null) taken.push(data);
    }
    return taken;
  }

  /**
   * Renames `dir/name` into the claims directory `mine` and reads it.
   *
   * @returns The message, or `null` when another consumer was first.
   */
  claim(mine: string, dir: string, name: string, fromSchedule: boolean): string | null {
    const file = join(mine, name);
    try {
      renameSync(join(dir, name), file);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      // another consumer was first (or, rarely, our claims directory is gone: see take)
      this.#missed = true;
      return null;
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      // a recoverer moved it back between our rename and our read: it is in ready/ again
      if (isNotFound(error)) return null;
      throw error;
    }
    const { data, bare, returns, size } = messageOf(bytes);
    this.#held.set(data, [...(this.#held.get(data) ?? []), { file, fromSchedule, size, bare, returns }]);
    return data;
  }

  /**
   * Lets go of one claim of `data`: the first one, or the first one `due`
   * took when `scheduledOnly`.
   *
   * @returns The claim, or `undefined` when this object holds none.
   */
  release(data: string, scheduledOnly = false): Claim | undefined {
    const claims = this.#held.get(data);
    const i = claims?.findIndex((claim) => claim.fromSchedule || !scheduledOnly) ?? -1;
    if (claims === undefined || i < 0) return undefined;
    const [claim] = claims.splice(i, 1);
    if (claims.length === 0) this.#held.delete(data);
    return claim;
  }

  /** The first claim this object holds of `data`, if any. */
  held(data: string): Claim | undefined {
    return this.#held.get(data)?.[0];
  }

  /** Holds `claim` of `data` again, after a {@link release} whose work did not happen. */
  restore(data: string, claim: Claim): void {
    this.#held.set(data, [claim, ...(this.#held.get(data) ?? [])]);
  }

  /** Forgets the listing: the next take lists `ready/` again (messages older than its names came back). */
  relist(): void {
    this.#listing = [];
    this.#next = 0;
  }

  /** Forgets every claim (their files go back with the membership). */
  clear(): void {
    this.#held.clear();
  }
}
