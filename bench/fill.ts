/**
 * Filling a backlog where the fill is not what is measured (the drain and
 * growth scenarios): the messages huey writes for the no-op, put in the
 * queue the quickest way each backend allows, so that the run's time goes
 * to what it measures.
 *
 * - Redis: the encoded messages, `LPUSH`ed 1,000 a command, ten commands a
 *   pipeline, straight onto the queue's list (what `write` does, one at a time).
 * - File: several writer processes (bench/filler), each calling the no-op
 *   with 16 writes in flight: creating a file costs the disk about a
 *   millisecond here, and one process leaves it idle between its writes.
 * - Memory: the producer itself, 16 calls in flight (the queue lives in
 *   this process).
 */
import { join } from 'node:path';
import type { RedisBlockingQueue } from 'huey/backends/redis';
import { REDIS, specEnv, type BackendSpec, type Noop, type Opened } from './backends.js';
import { Child, ROOT } from './child.js';
import { encodedMessages } from './floors.js';
import { wallMs } from './stats.js';

/** Messages a Redis `LPUSH` carries, and commands a pipeline. */
const LPUSH_BATCH = 1000;
const PIPELINE_COMMANDS = 10;
/** The most file writer processes, and the fewest messages worth one more (a process costs about half a second to start). */
const FILE_WRITERS = 4;
const MESSAGES_PER_WRITER = 2500;

/** Calls the no-op `n` times, `lanes` calls in flight. */
export async function callInLanes(noop: Noop, n: number, lanes = 16): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      next++;
      await noop(wallMs());
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, n) }, lane));
}

/** How many writer processes fill `n` messages on the file backend (1: this process). */
export function fileWriters(n: number): number {
  return Math.max(1, Math.min(FILE_WRITERS, Math.floor(n / MESSAGES_PER_WRITER)));
}

/**
 * Queues `n` no-op calls on `spec`, whose producer is `producer` (with its
 * no-op `noop`), the fastest way the backend allows.
 *
 * @param writers - File backend: how many writer processes (1: this process). @defaultValue {@link fileWriters}
 * @returns Once all `n` are in the queue.
 */
export async function fillBacklog(spec: BackendSpec, producer: Opened, noop: Noop, n: number, writers = fileWriters(n)): Promise<void> {
  if (spec.backend === 'redis') return lpushAll((producer.queue as RedisBlockingQueue).key, await encodedMessages(n));
  if (spec.backend !== 'file' || writers < 2) return callInLanes(noop, n);
  const shares = Array.from({ length: writers }, (_, i) => Math.floor(n / writers) + (i < n % writers ? 1 : 0));
  const children = shares.map((share, i) => new Child(`writer ${i + 1}/${writers}`, [join(ROOT, 'dist', 'bench', 'filler.js')], { ...specEnv(spec), HUEY_BENCH_FILL: String(share) }));
  try {
    const reports = await Promise.all(children.map((child) => child.report<{ count: number }>(60_000 + n * 10)));
    const written = reports.reduce((sum, report) => sum + report.count, 0);
    if (written !== n) throw new Error(`the writers queued ${written} messages of ${n}`);
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}

/** `LPUSH`es `messages` onto `key` in order (the first is the first read), in pipelines of batches. */
async function lpushAll(key: string, messages: string[]): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(REDIS);
  try {
    for (let i = 0; i < messages.length; i += LPUSH_BATCH * PIPELINE_COMMANDS) {
      const pipeline = client.pipeline();
      for (let j = i; j < Math.min(messages.length, i + LPUSH_BATCH * PIPELINE_COMMANDS); j += LPUSH_BATCH) pipeline.lpush(key, ...messages.slice(j, j + LPUSH_BATCH));
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    }
  } finally {
    client.disconnect();
  }
}
