/**
 * `fn.map(argsList)`, huey 3's bulk enqueue: every call checked before
 * anything is written, written in one step where the backend can, and a
 * group whose `get()` gives the results in order.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MemoryDataStore, MemoryQueue } from 'huey/backends/memory';
import { RedisDataStore, RedisQueue } from 'huey/backends/redis';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { queueCommand } from 'huey/decorators';
import { Invoker } from 'huey/queue';
import { CommandRegistry } from 'huey/registry';
import type { BaseQueue } from 'huey/backends/base';
import { deletePrefix, testPrefix } from './backends/redis-helpers.js';
import { memoryInvoker, redisSkipReason } from './helpers.js';

const skip = await redisSkipReason();
const prefix = testPrefix();
after(() => (skip ? undefined : deletePrefix(prefix)));

/** Runs every waiting call with a consumer driven step by step. */
async function drain(invoker: Invoker, queue: BaseQueue): Promise<void> {
  const Configuration = class extends BaseConfiguration {};
  Object.assign(Configuration, { QUEUE: queue });
  const consumer = new Consumer(invoker, Configuration, { logSink: () => {} });
  while ((await consumer.step()).kind !== 'idle');
}

test('map() enqueues one call per argument list and its group gives the results in order', async () => {
  const { invoker, queue } = memoryInvoker();
  const square = queueCommand(invoker)(function square(n: number): number {
    return n * n;
  });
  const group = await square.map([[1], [2], [3], [4]]);
  assert.equal(await queue.length(), 4);
  assert.equal(group.handles.length, 4);
  await drain(invoker, queue);
  const results: number[] = await group.get({ blocking: true, timeout: 5 });
  assert.deepEqual(results, [1, 4, 9, 16]);
});

test('one item that cannot be sent writes nothing, and the error names its index', async () => {
  const { invoker, queue } = memoryInvoker();
  const keep = queueCommand(invoker)(function keep(value: unknown): unknown {
    return value;
  });
  await assert.rejects(keep.map([[1], [2], [() => 3], [4]]), (error: Error) => {
    assert.equal(error.name, 'QueueWriteException');
    assert.match(error.message, /^Nothing written: call 2 of 4: /);
    return true;
  });
  assert.equal(await queue.length(), 0);
});

test('an item that is not an argument array is a ConfigurationError naming it, and nothing is written', async () => {
  const { invoker, queue } = memoryInvoker();
  const square = queueCommand(invoker)(function square(n: number): number {
    return n * n;
  });
  // @ts-expect-error each item is the call's argument list
  await assert.rejects(square.map([[1], 2]), { name: 'ConfigurationError', message: 'map() takes an array of argument arrays: item 1 is 2, not an array (nothing written)' });
  assert.equal(await queue.length(), 0);
});

test('with alwaysEager, map() runs each call at once', async () => {
  const { invoker } = memoryInvoker({ alwaysEager: true });
  const double = queueCommand(invoker)(async function double(n: number): Promise<number> {
    return n * 2;
  });
  assert.deepEqual(await (await double.map([[1], [5]])).get({ blocking: true }), [2, 10]);
});

test('on Redis, map() writes every call with one writeMany (one pipeline), never one write a call', { skip }, async () => {
  const redis = { host: '127.0.0.1', port: 6379, prefix };
  const queue = new RedisQueue('map', redis);
  const invoker = new Invoker(queue, { registry: new CommandRegistry(), resultStore: new RedisDataStore('map', redis) });
  try {
    const square = queueCommand(invoker)(function square(n: number): number {
      return n * n;
    });
    let writes = 0;
    let batches = 0;
    const { write, writeMany } = queue;
    queue.write = (data) => (writes++, write.call(queue, data));
    queue.writeMany = (data) => (batches++, writeMany.call(queue, data));
    const args = Array.from({ length: 500 }, (_, n) => [n] as [number]);
    const group = await square.map(args);
    assert.deepEqual({ writes, batches, length: await queue.length() }, { writes: 0, batches: 1, length: 500 });
    await drain(invoker, queue);
    assert.deepEqual(await group.get({ blocking: true, timeout: 10 }), args.map(([n]) => n * n));
  } finally {
    await invoker.close();
  }
});

test('a backend without writeMany (memory) gets the calls one write after the other, in order', async () => {
  const queue = new MemoryQueue('plain');
  const invoker = new Invoker(queue, { registry: new CommandRegistry(), resultStore: new MemoryDataStore('r') });
  const note = queueCommand(invoker)(function note(text: string): string {
    return text;
  });
  await note.map([['a'], ['b'], ['c']]);
  const order: unknown[] = [];
  for (let data = await queue.read(); data !== null; data = await queue.read()) order.push((JSON.parse(data) as { args: unknown[] }).args[0]);
  assert.deepEqual(order, ['a', 'b', 'c']);
});
