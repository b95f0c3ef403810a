/**
 * The recent history and the shared counters: what a consumer records for
 * each outcome, the bound of the history on every backend (memory, file,
 * Redis), `HISTORY` checked at the boundary, and the Prometheus text
 * format's escaping.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { FileQueue } from 'huey/backends/file';
import { MemoryQueue } from 'huey/backends/memory';
import { recordsOf } from 'huey/backends/records';
import { queueCommand } from 'huey/decorators';
import { ConfigurationError } from 'huey/exceptions';
import { historyOf, type HistoryEntry } from '../src/observe/history.js';
import { scrape } from '../src/observe/metrics.js';
import { escapeLabelValue, formatMetrics } from '../src/observe/prometheus.js';
import { memoryInvoker, REDIS, redisSkipReason, scratchDir } from './helpers.js';
import { parseScrape } from './prometheus-text.js';

test('a consumer records each settled attempt once: finished, retried, failed, skipped (revoked) and dead-lettered, with attempt, deliveries and run time', async () => {
  const { invoker, queue } = memoryInvoker();
  const ok = queueCommand(invoker, { name: 'commands.ok' })(function ok() {
    return 1;
  });
  const bad = queueCommand(invoker, { name: 'commands.bad', retries: 1 })(function bad() {
    throw new Error('no luck');
  });
  const consumer = new Consumer(invoker, BaseConfiguration, { logSink: () => {} });
  await ok();
  await bad();
  const skipped = await ok();
  await skipped!.revoke();
  await queue.write('{"v":1,"id":"ghost-1","command":"commands.ghost","args":[],"eta":null,"retries":0,"retryDelay":0,"enqueuedAt":"2030-01-01T00:00:00.000Z"}');
  while ((await consumer.step()).kind !== 'idle');
  await historyOf(invoker)!.flush();
  const entries = (await recordsOf(queue)!.history(10)).map((line) => JSON.parse(line) as HistoryEntry);
  assert.deepEqual(
    entries.map((e) => [e.command, e.outcome, e.attempt]).reverse(),
    [
      ['commands.ok', 'finished', 1],
      ['commands.bad', 'retried', 1],
      ['commands.ok', 'skipped', null],
      ['commands.ghost', 'dead-lettered', null],
      ['commands.bad', 'failed', 2],
    ],
  );
  const failed = entries[0]!;
  assert.equal(failed.error, 'Error: no luck');
  assert.equal(failed.deliveries, 1);
  assert.ok(failed.runMs !== null && failed.runMs >= 0);
  const text = await scrape(queue);
  const samples = parseScrape(text).samples;
  assert.equal(samples.get('huey_calls_total{queue="test",command="commands.bad",outcome="retried"}'), 1);
  assert.equal(samples.get('huey_calls_total{queue="test",command="commands.bad",outcome="failed"}'), 1);
  assert.equal(samples.get('huey_calls_total{queue="test",command="commands.ok",outcome="skipped"}'), 1);
  assert.equal(samples.get('huey_calls_total{queue="test",command="commands.ghost",outcome="dead-lettered"}'), 1);
  assert.equal(samples.get('huey_call_run_seconds_count{queue="test",command="commands.bad"}'), 2, 'both runs of bad were timed');
});

test('HISTORY = 0 records nothing; a HISTORY that is not a non-negative integer is a ConfigurationError naming it', async () => {
  const { invoker, queue } = memoryInvoker();
  const ok = queueCommand(invoker, { name: 'commands.ok' })(function ok() {
    return 1;
  });
  class Off extends BaseConfiguration {
    static override HISTORY = 0;
  }
  await ok();
  await new Consumer(invoker, Off, { logSink: () => {} }).step();
  assert.deepEqual(await recordsOf(queue)!.history(10), []);
  for (const bad of [-1, 1.5, 'many']) {
    class Bad extends BaseConfiguration {
      static override HISTORY = bad as number;
    }
    assert.throws(() => new Consumer(invoker, Bad), (error: unknown) => error instanceof ConfigurationError && /HISTORY/.test((error as Error).message));
  }
});

/** The history bound and the counters, on one backend's records. */
async function boundedRecords(queue: MemoryQueue | FileQueue | { records: unknown; close(): Promise<void> }): Promise<void> {
  const records = recordsOf(queue as MemoryQueue)!;
  const keep = 40;
  for (let batch = 0; batch < 10; batch++) {
    const entries = Array.from({ length: 10 }, (_, i) => JSON.stringify({ n: batch * 10 + i }));
    await records.record(entries, new Map([['["calls","c","finished"]', 10], ['["run_seconds_sum","c"]', 0.25]]), keep);
  }
  const newest = (await records.history(keep)).map((line) => (JSON.parse(line) as { n: number }).n);
  assert.deepEqual(newest, Array.from({ length: keep }, (_, i) => 99 - i), 'the newest N, newest first');
  assert.ok((await records.history(Infinity)).length <= 2 * keep + 10, 'bounded');
  const counters = await records.counters();
  assert.equal(counters.get('["calls","c","finished"]'), 100);
  assert.equal(counters.get('["run_seconds_sum","c"]'), 2.5);
}

test('memory: the history keeps the newest N; the counters add up', async () => {
  await boundedRecords(new MemoryQueue('bounded'));
});

test('file: the history rotates to keep the newest N; each queue object writes its own counters file and a reader adds them all up', async () => {
  const dir = await scratchDir('huey-history-');
  try {
    const queue = new FileQueue('bounded', { path: dir.path });
    await boundedRecords(queue);
    const other = new FileQueue('bounded', { path: dir.path });
    await other.records.record([], new Map([['["calls","c","finished"]', 1]]), 40);
    assert.equal((await queue.records.counters()).get('["calls","c","finished"]'), 101, 'another consumer counts into the same totals');
    const rotated = await readFile(join(queue.directory, 'records', 'history.log.1'), 'utf8');
    assert.ok(rotated.split('\n').length > 1);
    await queue.close();
    await other.close();
  } finally {
    await dir.remove();
  }
});

test('Redis: the history is a capped list, the counters a hash, both shared by every queue object', async (t) => {
  const skip = await redisSkipReason();
  if (skip !== undefined) return t.skip(skip);
  const { RedisQueue } = await import('huey/backends/redis');
  const prefix = `huey-history-test-${randomBytes(4).toString('hex')}.`;
  const queue = new RedisQueue('bounded', { ...REDIS, prefix });
  try {
    await boundedRecords(queue);
    assert.equal(await (queue as unknown as { records: { history(n: number): Promise<string[]> } }).records.history(Infinity).then((h) => h.length), 40, 'LTRIM keeps exactly N');
  } finally {
    await queue.flush();
    const { Redis } = await import('ioredis');
    const client = new Redis(REDIS);
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await client.quit();
    await queue.close();
  }
});

test('the text format: label values escape backslash, quote and newline; help escapes backslash and newline; +Inf is written +Inf', () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  const text = formatMetrics([
    { name: 'x_total', help: 'line one\nback\\slash "quoted"', type: 'counter', samples: [{ labels: { command: 'odd"name\\\n' }, value: 3 }] },
    { name: 'h', help: 'h', type: 'histogram', samples: [{ suffix: '_bucket', labels: { le: '+Inf' }, value: Infinity }] },
  ]);
  assert.equal(text, '# HELP x_total line one\\nback\\\\slash "quoted"\n# TYPE x_total counter\nx_total{command="odd\\"name\\\\\\n"} 3\n# HELP h h\n# TYPE h histogram\nh_bucket{le="+Inf"} +Inf\n');
  parseScrape(text);
  assert.throws(() => formatMetrics([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }]), /not a metric name/);
});
