/**
 * `invoker.close()`: a producer's connections end with it, so a script on
 * Redis exits by itself; `await using` does the same; closing twice is
 * harmless.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MemoryDataStore, MemoryQueue } from 'huey/backends/memory';
import { Invoker } from 'huey/queue';
import { deletePrefix, testPrefix } from './backends/redis-helpers.js';
import { redisSkipReason, runNode, scratchPackage } from './helpers.js';

const skip = await redisSkipReason();
const prefix = testPrefix();
after(() => (skip ? undefined : deletePrefix(prefix)));

test('a Redis producer script exits by itself after invoker.close() or its Symbol.asyncDispose', { skip }, async () => {
  const pkg = await scratchPackage({
    'produce.js': `
import { RedisBlockingQueue, RedisDataStore } from 'huey/backends/redis';
import { queueCommand } from 'huey/decorators';
import { Invoker } from 'huey/queue';
const redis = { host: '127.0.0.1', port: 6379, prefix: process.env.PREFIX };
const invoker = new Invoker(new RedisBlockingQueue('closing', redis), { resultStore: new RedisDataStore('closing', redis) });
const square = queueCommand(invoker)(function square(n) { return n * n; });
await square(3);
await invoker.close();
await invoker.close();
const other = new Invoker(new RedisBlockingQueue('closing', redis));
console.log('waiting', await other.queue.length());
await other[Symbol.asyncDispose]();
`,
  });
  try {
    const started = Date.now();
    const run = await runNode(['produce.js'], { cwd: pkg.path, env: { ...process.env, PREFIX: prefix } });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'waiting 1\n');
    assert.ok(Date.now() - started < 10_000, 'the script exited by itself');
  } finally {
    await pkg.remove();
  }
});

test('invoker.close() closes the queue, the stores and the control store once, whatever they share', async () => {
  const queue = new MemoryQueue('closing');
  const store = new MemoryDataStore('results');
  const closed: string[] = [];
  for (const [name, backend] of [['queue', queue], ['results', store], ['controls', queue.controlStore]] as const) {
    const close = backend.close.bind(backend);
    backend.close = async () => {
      closed.push(name);
      await close();
    };
  }
  const invoker = new Invoker(queue, { resultStore: store, taskStore: store });
  await Promise.all([invoker.close(), invoker.close()]);
  await invoker.close();
  assert.deepEqual(closed.sort(), ['controls', 'queue', 'results']);
});

test('await using an invoker closes it at the end of the block', async () => {
  const queue = new MemoryQueue('disposed');
  let closes = 0;
  const close = queue.close.bind(queue);
  queue.close = async () => {
    closes++;
    await close();
  };
  {
    await using invoker = new Invoker(queue);
    assert.equal(await invoker.queue.length(), 0);
  }
  assert.equal(closes, 1);
});
