/**
 * Leases in a directory: `leases/<key>.<generation>.lease`, each holding
 * its expiry. Taking a lease is creating the next generation's file with a
 * hard link, which fails when the name exists: of several callers, one wins.
 *
 * @internal
 * @module
 */
import { link, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isExists, pad, sortableName, unlessMissing, writeAtomically, type ResolvedOptions } from './common.js';

/** A lease file: the key may hold dots, the generation has 12 digits. */
const LEASE = /^(.+)\.(\d{12})\.lease$/;
/** Leases expired this long ago are deleted. Only a caller stalled this long between its listing and its link could take a lease twice. */
const KEEP_EXPIRED_MS = 3600_000;

const leaseFile = (dir: string, key: string, generation: number): string => join(dir, `${key}.${pad(generation, 12)}.lease`);

// a lease removed meanwhile has expired: only expired leases are pruned
const expiry = async (dir: string, key: string, generation: number): Promise<number> =>
  Number(await unlessMissing(readFile(leaseFile(dir, key, generation), 'utf8'), '0'));

/**
 * Takes the lease `key` for `ttlMs`: the first generation, or the next one
 * once the newest has expired.
 *
 * @param dir - The `leases/` directory.
 * @param tmpDir - A directory on the same file system, for the new file's content.
 * @param key - A safe file name.
 * @param ttlMs - How long the lease is held.
 * @param options - File mode and fsync.
 * @returns `true` for the one caller that got it.
 */
export async function takeLease(dir: string, tmpDir: string, key: string, ttlMs: number, options: ResolvedOptions): Promise<boolean> {
  const now = Date.now();
  const files = await readdir(dir);
  let newest = 0;
  for (const file of files) {
    const match = LEASE.exec(file);
    if (match?.[1] === key) newest = Math.max(newest, Number(match[2]));
  }
  if (newest > 0 && (await expiry(dir, key, newest)) > now) return false;
  // the content is complete before the name appears: link a finished temp file
  const tmp = join(tmpDir, `${sortableName()}.lease`);
  await writeAtomically(tmpDir, tmp, String(now + ttlMs), options);
  try {
    await link(tmp, leaseFile(dir, key, newest + 1));
  } catch (error) {
    if (isExists(error)) return false;
    throw error;
  } finally {
    await unlessMissing(unlink(tmp), undefined);
  }
  // prune: this key's generations before the one just replaced, other keys' leases long expired
  for (const file of files) {
    const match = LEASE.exec(file);
    if (match === null) continue;
    const old = match[1] === key ? Number(match[2]) < newest : (await expiry(dir, match[1]!, Number(match[2]))) < now - KEEP_EXPIRED_MS;
    if (old) await unlessMissing(unlink(join(dir, file)), undefined);
  }
  return true;
}
