/**
 * A consumer on Redis refills a slot with its call's finish: while the
 * read loop has no free slot, the script that stores a result and
 * acknowledges its message also claims the next message, so a busy
 * consumer pays one round trip per call. The read loop still takes due
 * scheduled calls, and a stop loses nothing. Skipped without Redis,
 * failing instead under HUEY_REQUIRE_REDIS=1.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { RedisBlockingQueue, RedisDataStore } from 'huey/backends/redis';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { queueCommand } from 'huey/decorators';
import { Invoker } from 'huey/queue';
import { CommandRegistry } from 'huey/registry';
import { eventually, REDIS, redisSkipReason, sleep } from './helpers.js';
import { deletePrefix, testPrefix } from './backends/redis-helpers.js';

const skip = await redisSkipReason();

describe('a consumer on Redis refills its slots with its finishes', { skip }, () => {
  const prefix = testPrefix();
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await deletePrefix(prefix);
  });

  /** A queue whose reads and finishes are counted, an invoker over it, and a consumer at `threads`. */
  function setup(name: string, threads: number) {
    const queue = new RedisBlockingQueue(name, { ...REDIS, prefix });
    const resultStore = new RedisDataStore(name, { ...REDIS, prefix });
    const counts = { reads: 0, refills: 0 };
    const readMany = queue.readMany.bind(queue);
    queue.readMany = (count, timeoutMs) => (counts.reads++, readMany(count, timeoutMs));
    const finishAndRead = queue.finishAndRead.bind(queue);
    queue.finishAndRead = (data, store, key, value, count) => (counts.refills++, finishAndRead(data, store, key, value, count));
    const invoker = new Invoker(queue, { resultStore, registry: new CommandRegistry() });
    const Configuration = class extends BaseConfiguration {
      static override QUEUE = queue;
      static override THREADS = threads;
    };
    const consumer = new Consumer(invoker, Configuration, { logSink: () => {}, readTimeoutMs: 200 });
    cleanups.push(async () => {
      await consumer.stop();
      await queue.close();
      await resultStore.close();
    });
    return { queue, invoker, consumer, counts };
  }

  test('at THREADS 1 each finish takes the next call: one refill per call, and almost no reads of their own', async () => {
    const { invoker, consumer, counts } = setup('refill1', 1);
    const ran: number[] = [];
    const note = queueCommand(invoker)(function note(n: number) {
      ran.push(n);
      return n;
    });
    const handles = [];
    for (let n = 0; n < 200; n++) handles.push(await note(n));
    const started = Date.now();
    await consumer.start();
    assert.deepEqual(await Promise.all(handles.map((handle) => handle.get({ blocking: true, timeout: 30 }))), ran);
    const seconds = (Date.now() - started) / 1000;
    assert.deepEqual(ran, [...Array(200).keys()], 'every call ran once, in order');
    assert.ok(counts.refills >= 199, `${counts.refills} finishes took the next call`);
    // the loop reads at the start, once the queue is empty, and about once a second to look at the schedule
    assert.ok(counts.reads <= 3 + 2 * seconds, `${counts.reads} reads in ${seconds.toFixed(1)} s`);
  });

  test('while finishes keep every slot refilled, a scheduled call still runs once due', async () => {
    const { invoker, consumer, counts } = setup('refilldue', 2);
    let backlogDone = 0;
    let dueRanAt: number | undefined;
    const busy = queueCommand(invoker)(async function busy() {
      await sleep(5);
      return ++backlogDone;
    });
    const due = queueCommand(invoker)(function due() {
      dueRanAt = Date.now();
    });
    // read first and held until its eta, which comes while the backlog (3000 × 5 ms at THREADS 2) runs
    const eta = Date.now() + 2000;
    await due.schedule({ eta: new Date(eta) });
    for (let n = 0; n < 3000; n++) await busy();
    assert.ok(Date.now() < eta - 500, 'the backlog was written well before the eta');
    await consumer.start();
    await eventually(() => dueRanAt !== undefined, 'the scheduled call to run', 20_000);
    assert.ok(counts.refills > 0, 'finishes refilled the slots');
    assert.ok(backlogDone < 3000, 'it ran before the backlog was done');
    assert.ok(dueRanAt! - eta < 2500, `it ran ${dueRanAt! - eta} ms after its eta`);
  });

  test('a consumer stopped while its finishes refill its slots loses no call and runs none twice', async () => {
    const { queue, invoker, consumer } = setup('refillstop', 4);
    const ran: number[] = [];
    const work = queueCommand(invoker)(async function work(n: number) {
      await sleep(1);
      ran.push(n);
      return n;
    });
    for (let n = 0; n < 1000; n++) await work(n);
    await consumer.start();
    await eventually(() => ran.length >= 100, 'a hundred calls to run');
    await consumer.stop();
    await queue.close();
    const reader = new RedisBlockingQueue('refillstop', { ...REDIS, prefix });
    try {
      assert.equal(new Set(ran).size, ran.length, 'no call ran twice');
      assert.equal(ran.length + (await reader.length()), 1000, 'every call ran or still waits');
      assert.deepEqual(await reader.claims(), [], 'nothing stays claimed');
    } finally {
      await reader.close();
    }
  });
});
