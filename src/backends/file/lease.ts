/**
 * Leases in a directory: `leases/<key>.<generation>.lease`, each holding
 * its time to live in ms. Taking a lease is creating the next generation's
 * file with a hard link, which fails when the name exists: of several
 * callers, one wins. A lease runs from the moment its name appeared, which
 * the kernel records as the file's ctime (a link changes it), so a slow
 * write before the link never shortens it.
 *
 * @internal
 * @module
 */
import { link, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isExists, pad, sortableName, unlessMissing, writeAtomically, type ResolvedOptions } from './common.js';

/** A lease file: the key may hold dots, the generation has 12 digits. */
const LEASE = /^(.+)\.(\d{12})\.lease$/;
/** Leases expired this long ago are deleted. Only a caller stalled this long between its listing and its link could take a lease twice. */
const KEEP_EXPIRED_MS = 3600_000;

const leaseFile = (dir: string, key: string, generation: number): string => join(dir, `${key}.${pad(generation, 12)}.lease`);

/** When a lease ends (ms since the epoch); 0 for a lease removed meanwhile, as only expired leases are pruned. */
async function expiry(dir: string, key: string, generation: number): Promise<number> {
  const file = leaseFile(dir, key, generation);
  const [ttl, info] = await Promise.all([unlessMissing(readFile(file, 'utf8'), undefined), unlessMissing(stat(file), undefined)]);
  return ttl === undefined || info === undefined ? 0 : info.ctimeMs + Number(ttl);
}

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
  const files = await readdir(dir);
  let newest = 0;
  for (const file of files) {
    const match = LEASE.exec(file);
    if (match?.[1] === key) newest = Math.max(newest, Number(match[2]));
  }
  if (newest > 0 && (await expiry(dir, key, newest)) > Date.now()) return false;
  // the content is complete before the name appears: link a finished temp file
  const tmp = join(tmpDir, `${sortableName()}.lease`);
  await writeAtomically(tmpDir, tmp, String(ttlMs), options);
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
    const old = match[1] === key ? Number(match[2]) < newest : (await expiry(dir, match[1]!, Number(match[2]))) < Date.now() - KEEP_EXPIRED_MS;
    if (old) await unlessMissing(unlink(join(dir, file)), undefined);
  }
  return true;
}
