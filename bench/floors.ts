/**
 * The floors: what the same work costs with nothing of huey around it, so
 * each figure can be read against what the hardware and the backend allow.
 */
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { noopInvoker, openBackend } from './backends.js';
import { rate, wallMs } from './stats.js';

/** `n` messages exactly as huey encodes them (the no-op's calls), read back from a memory queue. */
export async function encodedMessages(n: number): Promise<string[]> {
  const opened = await openBackend({ backend: 'memory', queue: 'floor' });
  const { noop } = noopInvoker(opened);
  for (let i = 0; i < n; i++) await noop(wallMs());
  const messages: string[] = [];
  for (let data = await opened.queue.read(); data !== null; data = await opened.queue.read()) messages.push(data);
  return messages;
}

/**
 * Memory floor: a plain array, every message pushed then taken from the
 * front, passes repeated for at least 200 ms; messages/s. With `shift`
 * (what was asked for: note that V8's `shift` moves the whole array, so it
 * slows as the array grows), or with a moving head index (what
 * MemoryQueue's list does).
 */
export function arrayFloor(messages: string[], take: 'shift' | 'index' = 'shift'): number {
  let count = 0;
  let length = 0;
  const start = performance.now();
  do {
    const array: string[] = [];
    for (const data of messages) array.push(data);
    if (take === 'shift') {
      for (let data = array.shift(); data !== undefined; data = array.shift()) length += data.length;
    } else {
      for (let head = 0; head < array.length; head++) length += array[head]!.length;
    }
    count += messages.length;
  } while (performance.now() - start < 200);
  const ms = performance.now() - start;
  if (length === 0) throw new Error('no messages');
  return rate(count, ms);
}

/**
 * File floor: each message's life on disk without huey — written to a temp
 * file, renamed into the queue, renamed into a claim, deleted — one after
 * the other in `dir`; messages/s.
 */
export async function fileFloor(dir: string, messages: string[]): Promise<number> {
  const tmp = join(dir, 'tmp');
  const ready = join(dir, 'ready');
  const claimed = join(dir, 'claimed');
  for (const sub of [tmp, ready, claimed]) await mkdir(sub, { recursive: true });
  const start = performance.now();
  for (let i = 0; i < messages.length; i++) {
    const name = `${i}.json`;
    await writeFile(join(tmp, name), messages[i]!);
    await rename(join(tmp, name), join(ready, name));
    await rename(join(ready, name), join(claimed, name));
    await unlink(join(claimed, name));
  }
  return rate(messages.length, performance.now() - start);
}

/** Redis floors, with the client huey uses (ioredis), on a key of `prefix`. */
export async function redisFloors(client: Redis, prefix: string, messages: string[]): Promise<{ lpush: number; pairs: number; pipelined: number }> {
  const key = `${prefix}floor`;
  await client.del(key);
  let start = performance.now();
  for (const data of messages) await client.lpush(key, data);
  const lpush = rate(messages.length, performance.now() - start);
  await client.del(key);
  start = performance.now();
  for (const data of messages) {
    await client.lpush(key, data);
    await client.brpop(key, 1);
  }
  const pairs = rate(messages.length, performance.now() - start);
  start = performance.now();
  for (let i = 0; i < messages.length; i += 1000) {
    const pipeline = client.pipeline();
    for (const data of messages.slice(i, i + 1000)) pipeline.lpush(key, data);
    await pipeline.exec();
  }
  const pipelined = rate(messages.length, performance.now() - start);
  await client.del(key);
  return { lpush, pairs, pipelined };
}
