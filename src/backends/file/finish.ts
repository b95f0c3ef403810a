/**
 * A call's result stored and its message acknowledged in one step, with no
 * new file: the value is appended to the claimed message's file, which is
 * then renamed into the result store under the result's key. The rename is
 * the step: before it, the message is still claimed (a crash returns it
 * through recovery, which reads only its first line); after it, the result
 * is stored and the message is gone.
 *
 * Why not write the result to a file of its own: creating a file makes an
 * inode, the slowest thing a file system does here (0.5–1 ms on ext4,
 * about a thousand a second whatever the concurrency), while an append or
 * a rename costs tens of microseconds. Like the claim, both are
 * synchronous calls, shorter than a trip through libuv's thread pool.
 *
 * @internal
 * @module
 */
import { appendFileSync, closeSync, constants, openSync, renameSync, truncateSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Claim, Claims } from './claims.js';
import { isNotFound, syncToDisk } from './common.js';
import { valueTail } from './format.js';

/** Appends to an existing file, never creates one: a file recovered meanwhile is not made anew in our claims. */
const APPEND_ONLY = constants.O_WRONLY | constants.O_APPEND;

/** How {@link moveIntoStore} ended. */
export type Moved = 'stored' | 'gone' | 'elsewhere';

/**
 * The step of `FileQueue.finish` for a claim already released: moved into
 * the store when its file holds the message alone (a file with a tail
 * would carry it into the value), and held again otherwise, since the
 * caller then falls back to `put` and `ack`, and `ack` needs the claim.
 *
 * @param claims - The queue object's claims, `claim` released from them.
 * @param target - Makes the store's directories and names the value file.
 * @returns How it ended; `refused` when the file held more than the message.
 */
export async function finishClaim(claims: Claims, data: string, claim: Claim, target: () => Promise<string>, value: string, fsync: boolean): Promise<Moved | 'refused'> {
  let moved: Moved | 'refused' = 'refused';
  try {
    if (claim.bare) moved = await moveIntoStore(claim, await target(), value, fsync);
  } finally {
    if (moved !== 'stored') claims.restore(data, claim);
  }
  return moved;
}

/**
 * Appends `value` to the claimed file and renames the file to `target`.
 *
 * @param claim - The claimed message, held alone in its file.
 * @param target - The value file, in a store's `values/`.
 * @param value - The value.
 * @param fsync - Flush the file and the store's directory to the disk too.
 * @returns `stored`; `gone` when the claimed file is no longer there (a
 *   recoverer took its consumer for dead); `elsewhere` when `target` is on
 *   another file system. In both last cases the file is left as it was.
 */
export async function moveIntoStore(claim: Claim, target: string, value: string, fsync: boolean): Promise<Moved> {
  let fd: number;
  try {
    fd = openSync(claim.file, APPEND_ONLY);
  } catch (error) {
    if (isNotFound(error)) return 'gone';
    throw error;
  }
  try {
    try {
      // its returns were counted when it was claimed: the result file holds the message and the value alone
      if (claim.returns > 0) truncateSync(claim.file, claim.size);
      appendFileSync(fd, valueTail(value));
    } finally {
      closeSync(fd);
    }
    if (fsync) await syncToDisk(claim.file);
    renameSync(claim.file, target);
  } catch (error) {
    undoAppend(claim);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EXDEV') return 'elsewhere';
    if (code === 'ENOENT') return 'gone';
    throw error;
  }
  if (fsync) await syncToDisk(dirname(target));
  return 'stored';
}

/** Cuts the file back to its message line, as the caller's fallback (put, then ack) expects. */
function undoAppend(claim: Claim): void {
  try {
    truncateSync(claim.file, claim.size);
  } catch {
    // gone, or not writable: a tail after the message line is skipped by readers, and finish no longer takes this claim
    claim.bare = false;
  }
}
