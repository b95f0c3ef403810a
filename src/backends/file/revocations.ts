/**
 * Revocations in a directory: `revoked/<key>.json`, one file a revoked
 * call (`task:<id>`) or command (`command:<name>`), the key URI-encoded so
 * that it is one file name. The file holds `{"until": ISO or null, "once": bool}`.
 * A `once` revocation is taken by renaming its file away: of several
 * consumers, one rename succeeds.
 *
 * @internal
 * @module
 */
import { readFileSync, renameSync, unlinkSync } from 'node:fs';
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Revocation, RevocationEntry } from '../revocations.js';
import { isNotFound, sortableName, unlessMissing, writeAtomically, type ResolvedOptions } from './common.js';

const SUFFIX = '.json';
const fileOf = (dir: string, key: string): string => join(dir, `${encodeURIComponent(key)}${SUFFIX}`);

function parse(text: string): Revocation {
  const { until, once } = JSON.parse(text) as { until: string | null; once: boolean };
  return { until: until === null ? null : new Date(until), once: once === true };
}

const ended = (revocation: Revocation, now: Date): boolean => revocation.until !== null && revocation.until.getTime() <= now.getTime();

/** Writes (or replaces) the revocation of `key`. */
export async function revokeIn(dir: string, tmpDir: string, key: string, revocation: Revocation, options: ResolvedOptions): Promise<void> {
  const text = JSON.stringify({ until: revocation.until?.toISOString() ?? null, once: revocation.once });
  await writeAtomically(tmpDir, fileOf(dir, key), text, options);
}

/** Removes the revocation of `key`; `true` when there was one in force. */
export async function restoreIn(dir: string, key: string): Promise<boolean> {
  const file = fileOf(dir, key);
  const text = await unlessMissing(readFile(file, 'utf8'), undefined);
  if (text === undefined) return false;
  const removed = await unlessMissing(unlink(file).then(() => true), false);
  return removed && !ended(parse(text), new Date());
}

/**
 * The first of `keys` revoked at `now`, taking a `once` one away. Synchronous
 * reads: on a call's path, a missing file costs one failed open, less than a
 * trip through libuv's thread pool.
 */
export function revokedIn(dir: string, tmpDir: string, keys: string[], now: Date): string | null {
  for (const key of keys) {
    const file = fileOf(dir, key);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if (isNotFound(error)) continue;
      throw error;
    }
    const revocation = parse(text);
    if (!ended(revocation, now) && !revocation.once) return key;
    // ended, or once: take the file; the one rename that succeeds decides
    const taken = join(tmpDir, `${sortableName()}.revoked`);
    try {
      renameSync(file, taken);
    } catch (error) {
      if (isNotFound(error)) continue;
      throw error;
    }
    unlinkSync(taken);
    if (!ended(revocation, now)) return key;
  }
  return null;
}

/** The revocations in force at `now`. */
export async function revocationsIn(dir: string, now: Date): Promise<RevocationEntry[]> {
  const found: RevocationEntry[] = [];
  for (const name of (await readdir(dir)).filter((n) => n.endsWith(SUFFIX)).sort()) {
    const text = await unlessMissing(readFile(join(dir, name), 'utf8'), undefined);
    if (text === undefined) continue;
    const revocation = parse(text);
    if (!ended(revocation, now)) found.push({ key: decodeURIComponent(name.slice(0, -SUFFIX.length)), ...revocation });
  }
  return found;
}
