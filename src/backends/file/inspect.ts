/**
 * Looking into a file queue without taking anything (`huey info`, `peek`,
 * the consumer's next eta): the listings behind `FileQueue.waiting`,
 * `scheduled`, `nextEta`, `claims` and `consumers`.
 *
 * @internal
 * @module
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClaimedMessage, ConsumerInfo, ScheduledMessage } from '../inspection.js';
import { listMessages } from './claims.js';
import { unlessMissing } from './common.js';
import { isDead } from './consumers.js';
import { etaOf, isMessage, isScheduled, messageOf } from './format.js';
import type { QueueDirs } from './parts.js';

/** The message of a message file (its first line), or `undefined` when the file is gone. */
const readMessage = async (file: string): Promise<string | undefined> => {
  const bytes = await unlessMissing(readFile(file), undefined);
  return bytes === undefined ? undefined : messageOf(bytes).data;
};

/** The first `limit` messages of `ready/`, oldest first. */
export async function waitingIn(dirs: QueueDirs, limit: number): Promise<string[]> {
  const found: string[] = [];
  for (const name of await listMessages(dirs.ready)) {
    if (found.length >= limit) break;
    const data = await readMessage(join(dirs.ready, name));
    if (data !== undefined) found.push(data);
  }
  return found;
}

/** The first `limit` messages of `schedule/`, earliest first, with the eta their names start with. */
export async function scheduledIn(dirs: QueueDirs, limit: number): Promise<ScheduledMessage[]> {
  const found: ScheduledMessage[] = [];
  for (const name of (await readdir(dirs.schedule)).filter(isScheduled).sort()) {
    if (found.length >= limit) break;
    const data = await readMessage(join(dirs.schedule, name));
    if (data !== undefined) found.push({ data, eta: new Date(etaOf(name)) });
  }
  return found;
}

/** The earliest eta of `schedule/`, read from the names, or `null` when it is empty. */
export async function nextEtaIn(dirs: QueueDirs): Promise<Date | null> {
  let first: string | undefined;
  for (const name of await readdir(dirs.schedule)) if (isScheduled(name) && (first === undefined || name < first)) first = name;
  return first === undefined ? null : new Date(etaOf(first));
}

/** The files of every `claimed/<consumer>/`; a claim's time is the file's ctime, which the claiming rename sets. */
export async function claimsIn(dirs: QueueDirs): Promise<ClaimedMessage[]> {
  const found: ClaimedMessage[] = [];
  for (const consumer of await readdir(dirs.claimed)) {
    const dir = join(dirs.claimed, consumer);
    for (const name of (await unlessMissing(readdir(dir), [])).filter(isMessage)) {
      const [bytes, info] = await Promise.all([unlessMissing(readFile(join(dir, name)), undefined), unlessMissing(stat(join(dir, name)), undefined)]);
      if (bytes === undefined) continue;
      const { data, returns } = messageOf(bytes);
      found.push({ consumer, data, since: info === undefined ? null : new Date(info.ctimeMs), deliveries: returns + 1 });
    }
  }
  return found;
}

/**
 * The consumers of `consumers/` (heartbeat files: the last beat is the
 * mtime) and of `claimed/` (a claims directory without a heartbeat is a
 * dead consumer's), each alive or dead by the rules of recovery.
 *
 * @param self - The asking object's id, and whether it is still open.
 */
export async function consumersIn(dirs: QueueDirs, self: { id: string; open: boolean }, heartbeatMs: number): Promise<ConsumerInfo[]> {
  const ids = new Set([...(await readdir(dirs.consumers)).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length)), ...(await readdir(dirs.claimed))]);
  const found: ConsumerInfo[] = [];
  for (const id of [...ids].sort()) {
    const file = join(dirs.consumers, `${id}.json`);
    const [text, info] = await Promise.all([unlessMissing(readFile(file, 'utf8'), undefined), unlessMissing(stat(file), undefined)]);
    let owner: { host?: unknown; pid?: unknown } = {};
    try {
      owner = text === undefined ? {} : (JSON.parse(text) as typeof owner);
    } catch {
      // a heartbeat edited by hand: its age still tells
      owner = {};
    }
    found.push({
      id,
      host: typeof owner.host === 'string' ? owner.host : undefined,
      pid: typeof owner.pid === 'number' ? owner.pid : undefined,
      lastBeat: info === undefined ? null : new Date(info.mtimeMs),
      alive: id === self.id ? self.open : !(await isDead(dirs, id, heartbeatMs)),
    });
  }
  return found;
}
