/**
 * The benchmark harness on Redis: the backlog fill and the runs taken in
 * turn with the peers, against a real Redis (the fill writes the queue's
 * own list, and the peers are real BullMQ and bee-queue workers). Nothing
 * here checks a timing. Skipped without Redis, failing instead under
 * HUEY_REQUIRE_REDIS=1.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DrainCounter, noopInvoker, openBackend } from '../bench/backends.js';
import { fillBacklog } from '../bench/fill.js';
import { deletePrefix, testPrefix } from './backends/redis-helpers.js';
import { redisSkipReason } from './helpers.js';
import type { ContractQueue } from './backends/contract-view.js';

const skip = await redisSkipReason();
const prefix = testPrefix();
const run = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'run.js');

after(() => (skip ? undefined : deletePrefix(prefix)));

test('fillBacklog on Redis queues the calls asked for in order: the first written is the first read', { skip }, async () => {
  const spec = { backend: 'redis' as const, queue: 'filled', prefix };
  const producer = await openBackend(spec);
  try {
    const { invoker, noop } = noopInvoker(producer);
    await fillBacklog(spec, producer, noop, 2500);
    assert.equal(await producer.queue.length(), 2500);
    let previous = -Infinity;
    for (let i = 0; i < 2500; i++) {
      const command = await invoker.dequeue();
      assert.equal(command?.name, 'bench.noop');
      // the no-op's argument is the instant it was called: read in the order written
      const sentAt = command.args[0] as number;
      assert.ok(sentAt >= previous, `message ${i} was called before message ${i - 1}`);
      previous = sentAt;
    }
    assert.equal(await producer.queue.read(), null);
  } finally {
    await producer.queue.flush();
    await producer.close();
  }
});

test('DrainCounter counts each call a Redis queue finishes once, by finish() or by finishAndRead()', { skip }, async () => {
  const spec = { backend: 'redis' as const, queue: 'counted', prefix };
  const opened = await openBackend(spec);
  try {
    for (const id of ['a', 'b', 'c']) await opened.queue.write(`{"id":"${id}"}`);
    const counter = new DrainCounter(opened.queue, Infinity, () => {});
    const [a] = await (opened.queue as ContractQueue).readMany!(1, 0);
    assert.equal(await (opened.queue as ContractQueue).finish!(a!, opened.store, 'a', '1'), true);
    assert.equal(counter.count, 1);
    const [b] = await (opened.queue as ContractQueue).readMany!(1, 0);
    assert.deepEqual(await (opened.queue as ContractQueue).finishAndRead!(b!, opened.store, 'b', '2', 1), ['{"id":"c"}']);
    assert.equal(counter.count, 2);
  } finally {
    await opened.queue.flush();
    await opened.close();
  }
});

test('bench/run.js on Redis takes the enqueue, drain and latency runs in turn: huey, BullMQ, bee-queue, then the next run', { skip }, async () => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [run, '--backend', 'redis', '--n', '30', '--runs', '2', '--seconds', '1', '--growth', '30', '--no-docs', '--json'], { timeout: 170_000 });
  const runs = stderr
    .split('\n')
    .map((line) => /\] (\S+) (enqueue|bulk enqueue|drain|latency)(?: THREADS| concurrency)? ?(\d*): run (\d)\/2/.exec(line))
    .filter((match) => match !== null)
    .map(([, who, what, threads, n]) => `${what}${threads} ${who} ${n}`);
  const turn = (what: string) => [1, 2].flatMap((n) => ['redis', 'bullmq', 'bee-queue'].map((who) => `${what} ${who} ${n}`));
  assert.deepEqual(runs, [...turn('enqueue'), ...turn('bulk enqueue'), ...turn('drain1'), ...turn('drain50'), ...turn('latency')]);
  const keys = (JSON.parse(stdout) as { rows: { key: string; figure: { runs: number[] } }[] }).rows.map((row) => row.key);
  // the table's rows and their order are those of a run without turns
  assert.deepEqual(keys.slice(0, 4), ['redis.enqueue', 'redis.bulk', 'redis.drain.1', 'redis.drain.50']);
  const latencies = (who: string) => ['start', 'result'].flatMap((kind) => ['p50', 'p99', 'max'].map((stat) => `${who}.latency.${kind}.${stat}`));
  const peer = (who: string) => [`${who}.enqueue`, `${who}.bulk`, `${who}.drain.1`, `${who}.drain.50`, ...latencies(who)];
  assert.deepEqual(keys.slice(keys.indexOf('redis.floor.pipelined') + 1), [...peer('bullmq'), ...peer('bee-queue'), 'redis.growth.30']);
});
