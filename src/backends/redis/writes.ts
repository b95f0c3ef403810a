/**
 * The producer's side of a Redis queue: a message written or scheduled,
 * and, with `waitForReplicas`, the `WAIT` that follows it in the same
 * round trip, so that a write resolves only once a failover cannot lose
 * it.
 *
 * @internal
 * @module
 */
import type { RedisClient } from './connection.js';
import { pushInto, pushMessage } from './controls.js';
import type { QueueLink } from './queue-options.js';

/** Writes a message where its priority says (see `./controls.ts`), waiting for replicas when the queue asks for them. */
export async function writeMessage(link: QueueLink, data: string): Promise<void> {
  const { client, keys } = link;
  if (link.waitForReplicas === 0) await pushMessage(client, keys, data);
  else await replicated(link, pushInto(client.pipeline(), keys, data));
}

/** Writes messages in order in one pipeline (one round trip), waiting for replicas when the queue asks for them. */
export async function writeMessages(link: QueueLink, data: readonly string[]): Promise<void> {
  const pipeline = link.client.pipeline();
  for (const message of data) pushInto(pipeline, link.keys, message);
  if (link.waitForReplicas > 0) return replicated(link, pipeline);
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
}

/** Keeps a message in the schedule (`ZADD`, scored by its eta in ms), waiting for replicas when the queue asks for them. */
export async function scheduleMessage(link: QueueLink, data: string, at: number): Promise<void> {
  const { client, keys } = link;
  if (link.waitForReplicas === 0) await client.zadd(keys.schedule, at, data);
  else await replicated(link, client.pipeline().zadd(keys.schedule, at, data));
}

/** Runs `write` followed by `WAIT` in one round trip; rejects unless `waitForReplicas` replicas confirmed it. */
async function replicated({ waitForReplicas, commandTimeoutMs }: QueueLink, write: ReturnType<RedisClient['pipeline']>): Promise<void> {
  const replies = (await write.wait(waitForReplicas, commandTimeoutMs).exec()) ?? [];
  for (const [error] of replies) if (error) throw error;
  const confirmed = replies.at(-1)?.[1];
  if (typeof confirmed !== 'number' || confirmed < waitForReplicas) {
    throw new Error(`${String(confirmed ?? 0)} of ${waitForReplicas} replicas confirmed the write within ${commandTimeoutMs} ms: it may be lost in a failover`);
  }
}
