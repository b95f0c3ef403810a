/**
 * What `huey info`, `peek`, `trace` and `dead-letters` read and change in
 * a Redis queue, without taking a message from a consumer. The queue's
 * inspection members call these.
 *
 * @internal
 * @module
 */
import { mentionsTask } from '../inspection.js';
import type { DeadLetter } from '../dead-letters.js';
import type { ClaimedMessage, ConsumerInfo, ScheduledMessage } from '../inspection.js';
import { withScripts, type RedisClient } from './connection.js';
import { WAKE } from './lua.js';
import { pushMessage } from './controls.js';
import { isGoneLocally, parseConsumerId } from './consumer-id.js';
import { heartbeatKey, levelKey, processingKey, type QueueKeys } from './keys.js';

/** How many lines the trace stream of a queue keeps, about (`MAXLEN ~`). */
const REDIS_TRACE_LINES = 100_000;

/** Appends a line to the capped trace stream (`XADD MAXLEN ~`). */
export async function traceAppend(client: RedisClient, keys: QueueKeys, line: string): Promise<void> {
  await client.xadd(keys.trace, 'MAXLEN', '~', REDIS_TRACE_LINES, '*', 'line', line);
}

/** The trace stream's lines, oldest first; only those about `taskId` when given. */
export async function traceRead(client: RedisClient, keys: QueueKeys, taskId?: string): Promise<string[]> {
  const entries = await client.xrange(keys.trace, '-', '+');
  const lines = entries.map(([, fields]) => fields[fields.indexOf('line') + 1] ?? '');
  return taskId === undefined ? lines : lines.filter((line) => mentionsTask(line, taskId));
}

/** The next `limit` messages in the order of reads: by priority, each list head (its right end) first; wake markers left out. */
export async function waiting(client: RedisClient, keys: QueueKeys, limit: number): Promise<string[]> {
  if (limit <= 0) return [];
  const flat = await client.zrange(keys.priorities, '+inf', '-inf', 'BYSCORE', 'REV', 'WITHSCORES');
  const levels: { key: string; priority: number }[] = [];
  for (let i = 0; i < flat.length; i += 2) levels.push({ key: levelKey(keys.base, flat[i]!), priority: Number(flat[i + 1]) });
  // the plain list goes after the level 0 list, whose calls are older (see ./lua.ts): the sort is stable
  levels.push({ key: keys.queue, priority: 0 });
  levels.sort((a, b) => b.priority - a.priority);
  const found: string[] = [];
  for (const { key } of levels) {
    const left = limit - found.length;
    if (left <= 0) break;
    // a marker or two may sit at the plain list's head: ask for that many more
    const start = Number.isFinite(left) ? -Math.max(1, left + 2) : 0;
    found.push(...(await client.lrange(key, start, -1)).reverse().filter((data) => data !== WAKE));
  }
  return found.slice(0, limit);
}

/** The first `limit` scheduled messages, earliest first, with their etas. */
export async function scheduled(client: RedisClient, keys: QueueKeys, limit: number): Promise<ScheduledMessage[]> {
  if (limit <= 0) return [];
  const flat = await client.zrange(keys.schedule, 0, Number.isFinite(limit) ? limit - 1 : -1, 'WITHSCORES');
  const found: ScheduledMessage[] = [];
  for (let i = 0; i < flat.length; i += 2) found.push({ data: flat[i]!, eta: new Date(Number(flat[i + 1])) });
  return found;
}

/** The processing lists of the registered consumers; Redis keeps no claim time. */
export async function claims(client: RedisClient, keys: QueueKeys): Promise<ClaimedMessage[]> {
  const found: ClaimedMessage[] = [];
  for (const consumer of await client.zrange(keys.consumers, 0, -1)) {
    for (const data of await client.lrange(processingKey(keys.base, consumer), 0, -1)) found.push({ consumer, data, since: null });
  }
  // the returns of messages that came back unfinished, kept by recover and release
  const returns = found.length === 0 ? [] : await client.hmget(`${keys.base}returned`, ...found.map((claim) => claim.data));
  return found.map((claim, i) => ({ ...claim, deliveries: 1 + Number(returns[i] ?? 0) }));
}

/**
 * The registered consumers, alive while their heartbeat key lives (and, on
 * this host, their process runs); the last beat is estimated from the
 * key's remaining time to live and `heartbeatMs`.
 */
export async function consumers(client: RedisClient, keys: QueueKeys, heartbeatMs: number): Promise<ConsumerInfo[]> {
  const now = Date.now();
  const found: ConsumerInfo[] = [];
  for (const id of await client.zrange(keys.consumers, 0, -1)) {
    const ttl = await client.pttl(heartbeatKey(keys.base, id));
    const { host, pid } = parseConsumerId(id);
    found.push({
      id,
      host,
      pid,
      lastBeat: ttl > 0 ? new Date(now - Math.max(0, heartbeatMs - ttl)) : null,
      alive: ttl > 0 && !isGoneLocally(id),
    });
  }
  return found;
}

/** The dead letters, oldest first, as `deadLetter` keeps them (JSON `{"data","reason","at"}`). */
export async function deadLetters(client: RedisClient, keys: QueueKeys): Promise<DeadLetter[]> {
  const entries = await client.lrange(keys.dead, 0, -1);
  return entries.map((entry) => {
    const { data, reason, at } = JSON.parse(entry) as { data: string; reason: string; at: string };
    return { data, reason, at: new Date(at) };
  });
}

/** Moves one dead letter back to the tail of the queue: `LREM` of its entry, then `LPUSH` by the one caller whose `LREM` removed it. */
export async function requeueDeadLetter(client: RedisClient, keys: QueueKeys, letter: DeadLetter): Promise<boolean> {
  for (const entry of await client.lrange(keys.dead, 0, -1)) {
    const parsed = JSON.parse(entry) as { data: string; at: string };
    if (parsed.data !== letter.data || new Date(parsed.at).getTime() !== letter.at.getTime()) continue;
    if ((await client.lrem(keys.dead, 1, entry)) === 0) return false;
    await pushMessage(withScripts(client), keys, letter.data);
    return true;
  }
  return false;
}

/** Deletes the dead letters (`LLEN` and `DEL` in one `MULTI`) and says how many there were. */
export async function purgeDeadLetters(client: RedisClient, keys: QueueKeys): Promise<number> {
  const replies = await client.multi().llen(keys.dead).del(keys.dead).exec();
  return Number(replies?.[0]?.[1] ?? 0);
}
