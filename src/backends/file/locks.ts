/**
 * Locks in a directory: `locks/<name>.<generation>.lock`, the name
 * URI-encoded, holding `<token>\n<ttl ms>`. The newest generation is the
 * lock; it is held while its file's mtime plus its ttl is in the future.
 * Taking a free lock is creating the next generation with a hard link,
 * which fails when the name exists: of several callers, one wins. The
 * holder renews by setting the mtime; releasing deletes the file.
 *
 * @internal
 * @module
 */
import { link, readdir, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { isExists, pad, sortableName, unlessMissing, writeAtomically, type ResolvedOptions } from './common.js';

const LOCK = /^(.+)\.(\d{12})\.lock$/;

const lockFile = (dir: string, encoded: string, generation: number): string => join(dir, `${encoded}.${pad(generation, 12)}.lock`);

/** The newest generation of each lock in `dir`, by encoded name. */
async function newest(dir: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const file of await readdir(dir)) {
    const match = LOCK.exec(file);
    if (match !== null) found.set(match[1]!, Math.max(found.get(match[1]!) ?? 0, Number(match[2])));
  }
  return found;
}

/** The holder's token of a lock file while it is held, or `undefined` (free, or gone). */
async function holder(file: string): Promise<string | undefined> {
  const [text, info] = await Promise.all([unlessMissing(readFile(file, 'utf8'), undefined), unlessMissing(stat(file), undefined)]);
  if (text === undefined || info === undefined) return undefined;
  const [token, ttl] = text.split('\n');
  return info.mtimeMs + Number(ttl) > Date.now() ? token : undefined;
}

/** Takes the lock `name` for `token` when it is free; `true` for the one caller that got it. */
export async function lockIn(dir: string, tmpDir: string, name: string, token: string, ttlMs: number, options: ResolvedOptions): Promise<boolean> {
  const encoded = encodeURIComponent(name);
  const generation = (await newest(dir)).get(encoded) ?? 0;
  if (generation > 0 && (await holder(lockFile(dir, encoded, generation))) !== undefined) return false;
  const tmp = join(tmpDir, `${sortableName()}.lock`);
  await writeAtomically(tmpDir, tmp, `${token}\n${ttlMs}`, options);
  try {
    await link(tmp, lockFile(dir, encoded, generation + 1));
  } catch (error) {
    if (isExists(error)) return false;
    throw error;
  } finally {
    await unlessMissing(unlink(tmp), undefined);
  }
  // the generations before are done with: a lapsed holder of one of them finds it gone
  for (let old = generation; old > 0; old--) if (!(await unlessMissing(unlink(lockFile(dir, encoded, old)).then(() => true), false))) break;
  return true;
}

/** The newest file of `name` when `token` holds it now. */
async function heldBy(dir: string, name: string, token: string): Promise<string | undefined> {
  const encoded = encodeURIComponent(name);
  const generation = (await newest(dir)).get(encoded);
  if (generation === undefined) return undefined;
  const file = lockFile(dir, encoded, generation);
  return (await holder(file)) === token ? file : undefined;
}

/** Extends the lease of a lock `token` holds; `false` when it no longer does. */
export async function renewLockIn(dir: string, name: string, token: string): Promise<boolean> {
  const file = await heldBy(dir, name, token);
  if (file === undefined) return false;
  const now = new Date();
  return unlessMissing(utimes(file, now, now).then(() => true), false);
}

/** Releases a lock `token` holds; `false` when it does not. */
export async function unlockIn(dir: string, name: string, token: string): Promise<boolean> {
  const file = await heldBy(dir, name, token);
  return file === undefined ? false : unlessMissing(unlink(file).then(() => true), false);
}

/** The names of the locks held now. */
export async function locksIn(dir: string): Promise<string[]> {
  const held: string[] = [];
  for (const [encoded, generation] of await newest(dir)) {
    if ((await holder(lockFile(dir, encoded, generation))) !== undefined) held.push(decodeURIComponent(encoded));
  }
  return held.sort();
}

/** Deletes every lock file; how many locks were held. */
export async function flushLocksIn(dir: string): Promise<number> {
  const held = (await locksIn(dir)).length;
  for (const file of await readdir(dir)) if (LOCK.test(file)) await unlessMissing(unlink(join(dir, file)), undefined);
  return held;
}
