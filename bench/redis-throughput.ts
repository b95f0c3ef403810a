/**
 * Where the Redis backend stands against the issue 7 targets, in one
 * process on the shared Redis: enqueue rate through an Invoker, drain rate
 * (read → run → store result → ack) at concurrency 1 and 50, raw LPUSH +
 * BRPOP pairs with the same kind of client, and BullMQ's add() and drain
 * in the same run for the ratios.
 *
 * Usage: node dist/bench/redis-throughput.js [n] [--no-peer]
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Invoker } from 'huey/queue';
import { queueCommand } from 'huey/decorators';
import { CommandRegistry } from 'huey/registry';
import { RedisBlockingQueue, RedisDataStore, type RedisQueueOptions } from 'huey/backends/redis';

const REDIS = { host: '127.0.0.1', port: 6379 };
const n = Number(process.argv[2] ?? 5000);
const withPeer = !process.argv.includes('--no-peer');
const prefix = `hueybench.${process.pid}.`;

const rate = (count: number, ms: number): number => Math.round((count / ms) * 1000);

async function deletePrefix(match: string): Promise<void> {
  const admin = new Redis(REDIS);
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${match}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await admin.del(...keys);
  } while (cursor !== '0');
  admin.disconnect();
}

function setup(name: string, options: RedisQueueOptions = {}) {
  const registry = new CommandRegistry();
  const queue = new RedisBlockingQueue(name, { ...REDIS, prefix, ...options });
  const store = new RedisDataStore(name, { ...REDIS, prefix });
  const invoker = new Invoker(queue, { resultStore: store, registry });
  const noop = queueCommand(invoker, { name: 'bench.noop' })(function noop(i: number) {
    return i;
  });
  return { invoker, queue, store, noop, close: async () => (await queue.close(), await store.close()) };
}

async function enqueueRate(): Promise<number> {
  const { noop, close } = setup('enqueue');
  await noop(0);
  const start = performance.now();
  for (let i = 0; i < n; i++) await noop(i);
  const result = rate(n, performance.now() - start);
  await close();
  return result;
}

/** `n` queued, then `concurrency` loops of dequeue → execute (stores the result) → ack on one queue object. */
async function drainRate(concurrency: number, options: RedisQueueOptions = {}): Promise<number> {
  const name = `drain${concurrency}p${options.prefetch ?? 1}`;
  const producer = setup(name);
  const queued = Array.from({ length: n }, (_, i) => producer.noop(i));
  await Promise.all(queued);
  const consumer = setup(name, options);
  let done = 0;
  const start = performance.now();
  const loop = async (): Promise<void> => {
    for (;;) {
      const command = await consumer.invoker.dequeue();
      if (command === undefined) return;
      await consumer.invoker.execute(command);
      await consumer.queue.ack(command.raw!);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const result = rate(done, performance.now() - start);
  await producer.close();
  await consumer.close();
  return result;
}

async function rawPairs(): Promise<number> {
  const client = new Redis(REDIS);
  const key = `${prefix}raw`;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    await client.lpush(key, 'x');
    await client.brpop(key, 1);
  }
  const result = rate(n, performance.now() - start);
  client.disconnect();
  return result;
}

async function bullEnqueue(): Promise<number> {
  const queue = new Queue('enqueue', { connection: REDIS, prefix: `${prefix}bull` });
  await queue.add('noop', { i: 0 });
  const start = performance.now();
  for (let i = 0; i < n; i++) await queue.add('noop', { i });
  const result = rate(n, performance.now() - start);
  await queue.close();
  return result;
}

async function bullDrain(concurrency: number): Promise<number> {
  const name = `drain${concurrency}`;
  const queue = new Queue(name, { connection: REDIS, prefix: `${prefix}bull` });
  for (let i = 0; i < n; i += 1000) await queue.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ name: 'noop', data: { i: i + j } })));
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((resolve) => (finished = resolve));
  const start = performance.now();
  const worker = new Worker(name, async (job) => job.data.i as number, { connection: { ...REDIS, maxRetriesPerRequest: null }, prefix: `${prefix}bull`, concurrency });
  worker.on('completed', () => {
    if (++done === n) finished();
  });
  await all;
  const result = rate(n, performance.now() - start);
  await worker.close();
  await queue.close();
  return result;
}

const rows: [string, number, number | undefined][] = [];
try {
  const raw = await rawPairs();
  rows.push(['raw LPUSH + BRPOP pairs/s (one at a time)', raw, undefined]);
  rows.push(['enqueue/s (sequential awaited calls)', await enqueueRate(), withPeer ? await bullEnqueue() : undefined]);
  rows.push(['drain/s, concurrency 1', await drainRate(1), withPeer ? await bullDrain(1) : undefined]);
  rows.push(['drain/s, concurrency 1, prefetch 10', await drainRate(1, { prefetch: 10 }), undefined]);
  rows.push(['drain/s, concurrency 50', await drainRate(50), withPeer ? await bullDrain(50) : undefined]);
  rows.push(['drain/s, concurrency 50, prefetch 10', await drainRate(50, { prefetch: 10 }), undefined]);
  rows.push(['drain/s, concurrency 50, prefetch 10, auto-pipelining', await drainRate(50, { prefetch: 10, redisOptions: { enableAutoPipelining: true } }), undefined]);
} finally {
  await deletePrefix(prefix);
}
process.stdout.write(`n = ${n}\n\n| scenario | huey | BullMQ | huey / BullMQ |\n|---|---:|---:|---:|\n`);
for (const [what, ours, peer] of rows) {
  process.stdout.write(`| ${what} | ${ours} | ${peer ?? ''} | ${peer ? (ours / peer).toFixed(2) : ''} |\n`);
}
