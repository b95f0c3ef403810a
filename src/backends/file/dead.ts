/**
 * Dead letters: `dead/<at ms>-<name>.json`, the message as read, and beside
 * it `dead/<at ms>-<name>.reason`, why it could not run.
 *
 * @internal
 * @module
 */
import { readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DeadLetter } from '../dead-letters.js';
import type { Claim } from './claims.js';
import { sortableName, timeField, unlessMissing, writeAtomically, type ResolvedOptions } from './common.js';
import { etaOf, isMessage } from './format.js';
import type { QueueDirs } from './parts.js';
import { readyName } from './priority.js';

/**
 * Keeps a message in `dead/` with its reason: a claimed one is moved there
 * byte for byte (even bytes that are not UTF-8); any other is written from
 * `data`.
 *
 * @param claim - The message's claim, when the caller held one.
 */
export async function deadLetterIn(dirs: QueueDirs, claim: Claim | undefined, data: string, reason: string, options: ResolvedOptions): Promise<void> {
  const stem = claim === undefined ? sortableName() : basename(claim.file, '.json');
  const base = join(dirs.dead, `${timeField(Date.now())}-${stem}`);
  // the reason first: a message in dead/ always has its reason beside it
  await writeAtomically(dirs.tmp, `${base}.reason`, reason, options);
  const moved = claim !== undefined && (await unlessMissing(rename(claim.file, `${base}.json`).then(() => true), false));
  if (!moved) await writeAtomically(dirs.tmp, `${base}.json`, data, options);
}

/** The dead letters of `dead/`, oldest first, each with the `.reason` beside it. */
export async function deadLettersIn(dirs: QueueDirs): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for (const name of (await readdir(dirs.dead)).filter(isMessage).sort()) {
    const base = join(dirs.dead, name.slice(0, -'.json'.length));
    const data = await unlessMissing(readFile(`${base}.json`, 'utf8'), undefined);
    if (data === undefined) continue;
    const reason = await unlessMissing(readFile(`${base}.reason`, 'utf8'), '(no reason recorded)');
    letters.push({ data, reason, at: new Date(etaOf(name)) });
  }
  return letters;
}

/**
 * Moves a dead letter back to the tail of `ready/` (under a new name, so it
 * sorts last) and deletes its `.reason`.
 *
 * @returns `false` when it is no longer in `dead/`.
 */
export async function requeueDeadLetterIn(dirs: QueueDirs, letter: DeadLetter): Promise<boolean> {
  const prefix = timeField(letter.at.getTime());
  for (const name of (await readdir(dirs.dead)).filter((n) => isMessage(n) && n.startsWith(prefix)).sort()) {
    const file = join(dirs.dead, name);
    if ((await unlessMissing(readFile(file, 'utf8'), undefined)) !== letter.data) continue;
    // the rename that succeeds is the one requeue of this letter
    if (!(await unlessMissing(rename(file, join(dirs.ready, readyName(letter.data))).then(() => true), false))) continue;
    await unlessMissing(unlink(`${file.slice(0, -'.json'.length)}.reason`), undefined);
    return true;
  }
  return false;
}

/** Deletes every file of `dead/`; how many dead letters there were. */
export async function purgeDeadLettersIn(dirs: QueueDirs): Promise<number> {
  let count = 0;
  for (const name of await readdir(dirs.dead)) {
    const deleted = await unlessMissing(unlink(join(dirs.dead, name)).then(() => true), false);
    if (deleted && isMessage(name)) count++;
  }
  return count;
}
