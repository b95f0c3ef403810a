/**
 * Limits per command (`rateLimit`, `concurrency`), in-process: the consumer
 * on the memory backend, and the limits of `controls/limits.ts` on a data
 * store alone. The same through two consumer processes on files and Redis
 * is `limits-consumers.ts`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, test } from 'node:test';
import { MemoryDataStore, MemoryQueue } from 'huey/backends/memory';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { queueCommand } from 'huey/decorators';
import { currentTask } from 'huey';
import { Invoker } from 'huey/queue';
import { CommandRegistry } from 'huey/registry';
import { StoredLimits } from '../src/controls/limits.js';
import { info } from '../src/observe/inspection.js';
import { eventually, scratchDir, sleep } from './helpers.js';
import { FileDataStore } from 'huey/backends/file';
import { mostAtOnce, mostInWindow } from './limits-consumers.js';

const running: Consumer[] = [];
afterEach(async () => {
  for (const consumer of running.splice(0)) await consumer.stop();
});

function setup(threads = 4) {
  const queue = new MemoryQueue('limits');
  const invoker = new Invoker(queue, { resultStore: new MemoryDataStore('r'), registry: new CommandRegistry() });
  const Configuration = class extends BaseConfiguration {};
  Object.assign(Configuration, { QUEUE: queue, THREADS: threads });
  const consumer = async (): Promise<Consumer> => {
    const c = new Consumer(invoker, Configuration, { logSink: () => {}, readTimeoutMs: 50 });
    running.push(c);
    await c.start();
    return c;
  };
  return { queue, invoker, consumer };
}

test('a call over its rate limit waits and spends no retry: 6 calls limited to 2 per 0.5 s never start 3 within 0.5 s', async () => {
  const { invoker, consumer } = setup();
  const starts: number[] = [];
  const waits: string[] = [];
  invoker.events.on('waiting', ({ reason }) => waits.push(reason));
  const ping = queueCommand(invoker, { name: 'tasks.ping', rateLimit: { calls: 2, per: 0.5 }, retries: 3 })((n: number) => {
    starts.push(Date.now());
    return { n, attempt: currentTask()!.attempt };
  });
  const handles = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => ping(n)));
  await consumer();
  const results = await Promise.all(handles.map((h) => h!.get({ blocking: true, timeout: 20 })));
  assert.deepEqual(results, [1, 2, 3, 4, 5, 6].map((n) => ({ n, attempt: 1 })), 'every call ran once, on its first attempt');
  // the slot is taken just before the call logs its start: 50 ms of slack for a loaded machine
  assert.ok(mostInWindow(starts, 450) <= 2, `at most 2 starts in any 0.5 s: ${starts.map((t) => t - starts[0]!).join(', ')}`);
  assert.ok(waits.length >= 4 && waits.every((reason) => reason === 'waiting for its rate limit (2 per 0.5 s)'), waits.join('; '));
});

test('a call over its concurrency waits: 6 calls of 100 ms at concurrency 2 never overlap more than 2', async () => {
  const { invoker, consumer } = setup();
  const spans: [number, number][] = [];
  const waits: string[] = [];
  invoker.events.on('waiting', ({ reason }) => waits.push(reason));
  const slow = queueCommand(invoker, { name: 'tasks.slow', concurrency: 2 })(async (n: number) => {
    const start = Date.now();
    await sleep(100);
    spans.push([start, Date.now()]);
    return n;
  });
  const handles = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => slow(n)));
  await consumer();
  assert.deepEqual(await Promise.all(handles.map((h) => h!.get({ blocking: true, timeout: 20 }))), [1, 2, 3, 4, 5, 6]);
  assert.equal(mostAtOnce(spans), 2);
  assert.ok(waits.length > 0 && waits.every((reason) => reason === 'waiting for its concurrency (2 running)'), waits.join('; '));
});

test('no head-of-line blocking: an unlimited call enqueued behind waiting calls runs before they do', async () => {
  const { invoker, consumer } = setup(2);
  const order: string[] = [];
  const limited = queueCommand(invoker, { name: 'tasks.limited', rateLimit: { calls: 1, per: 1 } })((n: number) => order.push('limited') && n);
  const free = queueCommand(invoker, { name: 'tasks.free' })(() => order.push('free') && 0);
  const handles = [await limited(1), await limited(2), await limited(3), await free()];
  await consumer();
  await Promise.all(handles.map((h) => h!.get({ blocking: true, timeout: 20 })));
  assert.deepEqual(order, ['limited', 'free', 'limited', 'limited']);
});

test('huey info shows each limited command\'s use: "2 of 5 per 10 s", "1 of 2 running"', async () => {
  const { queue, invoker, consumer } = setup();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const held = queueCommand(invoker, { name: 'tasks.held', rateLimit: { calls: 5, per: 10 }, concurrency: 2 })(async (n: number) => {
    if (n === 2) await gate;
    return n;
  });
  const first = await held(1);
  const second = await held(2);
  await consumer();
  await first!.get({ blocking: true, timeout: 10 });
  const limits = await eventually(async () => {
    const shown = (await info({ queue, store: undefined }, new Date())).limits as { command: string; use: string }[];
    return shown.length === 1 && shown[0]!.use === '2 of 5 per 10 s, 1 of 2 running' ? shown : undefined;
  }, 'info to show the limits in use');
  assert.deepEqual(limits!.map((l) => l.command), ['tasks.held']);
  release();
  await second!.get({ blocking: true, timeout: 10 });
  const after = (await info({ queue, store: undefined }, new Date())).limits as { use: string }[];
  assert.equal(after[0]!.use, '2 of 5 per 10 s, 0 of 2 running');
});

test('a rate limit on a data store: a full window answers when its earliest start leaves it', async () => {
  const limits = new StoredLimits(new MemoryDataStore('controls'));
  const t0 = Date.now();
  assert.equal(await limits.takeStart('tasks.x', { calls: 2, per: 0.2 }, t0), null);
  assert.equal(await limits.takeStart('tasks.x', { calls: 2, per: 0.2 }, t0 + 50), null);
  assert.equal(await limits.takeStart('tasks.x', { calls: 2, per: 0.2 }, t0 + 60), t0 + 200);
  assert.equal(await limits.takeStart('tasks.other', { calls: 2, per: 0.2 }, t0 + 60), null, 'each command has its own window');
  await sleep(Math.max(0, t0 + 210 - Date.now()));
  assert.equal(await limits.takeStart('tasks.x', { calls: 2, per: 0.2 }, Date.now()), null, 'the earliest start left the window');
});

test('a concurrency slot on a data store is given back by its holder, and frees by itself when its lease runs out', async () => {
  const limits = new StoredLimits(new MemoryDataStore('controls'));
  const a = await limits.takeSlot('tasks.y', 1, 100, Date.now());
  assert.ok(!Array.isArray(a));
  const full = await limits.takeSlot('tasks.y', 1, 100, Date.now());
  assert.ok(Array.isArray(full) && full.length === 1 && full[0]!.pid === process.pid && full[0]!.host === hostname());
  await limits.releaseSlot(a);
  const b = await limits.takeSlot('tasks.y', 1, 100, Date.now());
  assert.ok(!Array.isArray(b), 'free again once given back');
  await limits.releaseSlot(a); // a stale holder gives back nothing of another's
  assert.ok(Array.isArray(await limits.takeSlot('tasks.y', 1, 100, Date.now())));
  assert.equal(await limits.renewSlot(b, 100), true);
  await sleep(150);
  assert.equal(await limits.renewSlot(b, 100), false, 'the lease ran out');
  assert.ok(!Array.isArray(await limits.takeSlot('tasks.y', 1, 100, Date.now())), 'free once the lease ran out');
});

test('a concurrency slot whose holder\'s process is gone from this host is freed at once by the next taker', async () => {
  const store = new MemoryDataStore('controls');
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(gone.stdout);
  await store.put(`running:tasks.z:0`, `${Date.now()}|${hostname()}|${deadPid}|token`, 60_000);
  await store.put(`running:tasks.z:1`, `${Date.now()}|another-host|${deadPid}|token`, 60_000);
  const limits = new StoredLimits(store);
  const taken = await limits.takeSlot('tasks.z', 2, 60_000, Date.now());
  assert.ok(!Array.isArray(taken) && taken.key === 'running:tasks.z:0', 'the dead holder\'s slot, not the other host\'s');
});

test('file store: of 8 clients putting one expired key at once, exactly one succeeds, every time', async () => {
  const dir = await scratchDir('huey-put-if-empty-');
  try {
    const stores = Array.from({ length: 8 }, () => new FileDataStore('controls', { path: dir.path }));
    for (let round = 0; round < 25; round++) {
      await stores[0]!.put('slot', 'old', 1);
      await sleep(3);
      const won = await Promise.all(stores.map((store, i) => store.putIfEmpty('slot', `client ${i}`, 60_000)));
      assert.equal(won.filter(Boolean).length, 1, `round ${round}: ${won.join(', ')}`);
      assert.equal(await stores[1]!.peek('slot'), `client ${won.indexOf(true)}`);
    }
  } finally {
    await dir.remove();
  }
});
