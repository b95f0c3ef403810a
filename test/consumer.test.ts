/**
 * The consumer's behaviour, in-process on the memory backend: the same
 * engine the CLI runs.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { BaseDataStore, BaseQueue } from 'huey/backends/base';
import { MemoryDataStore, MemoryQueue } from 'huey/backends/memory';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { crontab, periodicCommand, queueCommand } from 'huey/decorators';
import { ShutdownError, TaskException } from 'huey/exceptions';
import { currentTask } from 'huey';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { Invoker } from 'huey/queue';
import { CommandRegistry } from 'huey/registry';
import { eventually, MapStore, sleep } from './helpers.js';
import { contractView } from './backends/contract-view.js';

const running: Consumer[] = [];
afterEach(async () => {
  for (const consumer of running.splice(0)) await consumer.stop();
});

interface Setup {
  queue?: BaseQueue;
  resultStore?: BaseDataStore;
  taskStore?: BaseDataStore;
  settings?: Partial<Record<'THREADS' | 'PERIODIC' | 'UTC' | 'SHUTDOWN_TIMEOUT' | 'INITIAL_DELAY' | 'BACKOFF' | 'MAX_DELAY' | 'LOGLEVEL', number | boolean | string>>;
}

/** An invoker with its own registry, and a consumer for it whose log lines are kept. */
function setup({ queue = new MemoryQueue('q'), resultStore = new MemoryDataStore('r'), taskStore, settings = {} }: Setup = {}) {
  const invoker = new Invoker(queue, { resultStore, ...(taskStore ? { taskStore } : {}), registry: new CommandRegistry() });
  const Configuration = class extends BaseConfiguration {};
  Object.assign(Configuration, { QUEUE: queue, ...settings });
  const lines: string[] = [];
  const consumer = (): Consumer => {
    const c = new Consumer(invoker, Configuration, { logSink: (line) => lines.push(line), readTimeoutMs: 50 });
    running.push(c);
    return c;
  };
  return { invoker, queue, consumer, lines, Configuration };
}

test('a started consumer runs queued calls and stores their results', async () => {
  const { invoker, consumer } = setup();
  const add = queueCommand(invoker)(function add(a: number, b: number) {
    return a + b;
  });
  const res = await add(2, 3);
  await consumer().start();
  assert.equal(await res.get({ blocking: true, timeout: 2 }), 5);
});

test('start() logs the registered commands, one "+ name" a line', async () => {
  const { invoker, consumer, lines } = setup();
  queueCommand(invoker, { name: 'tasks.b' })(() => 1);
  queueCommand(invoker, { name: 'tasks.a' })(() => 1);
  await consumer().start();
  const start = lines.findIndex((line) => line.includes('huey initialized with following commands'));
  assert.ok(start >= 0);
  assert.match(lines[start + 1]!, /INFO  \+ tasks\.a\n$/);
  assert.match(lines[start + 2]!, /INFO  \+ tasks\.b\n$/);
});

test('at most THREADS calls run at once, and no more messages are taken than free slots', async () => {
  const { invoker, queue, consumer } = setup({ settings: { THREADS: 3 } });
  let now = 0;
  let peak = 0;
  const release: (() => void)[] = [];
  const slow = queueCommand(invoker)(async function slow() {
    peak = Math.max(peak, ++now);
    await new Promise<void>((resolve) => release.push(resolve));
    now--;
  });
  for (let i = 0; i < 10; i++) await slow();
  const c = consumer();
  await c.start();
  await eventually(() => release.length === 3, 'three calls to start');
  await sleep(100);
  assert.equal(c.inFlight, 3);
  assert.equal(await queue.length(), 7, 'a message was taken without a free slot');
  while (release.length > 0 || (await queue.length()) > 0 || c.inFlight > 0) {
    release.shift()?.();
    await sleep(5);
  }
  assert.equal(peak, 3);
});

test('the free slots are filled with one readMany() claim, not one read per slot', async () => {
  class CountingQueue extends MemoryQueue {
    asked: number[] = [];
    override async readMany(count: number, timeoutMs?: number): Promise<string[]> {
      this.asked.push(count);
      return super.readMany(count, timeoutMs);
    }
  }
  const queue = new CountingQueue('q');
  const { invoker, consumer } = setup({ queue, settings: { THREADS: 4 } });
  const handles = [];
  const echo = queueCommand(invoker)(async function echo(n: number) {
    await sleep(20);
    return n;
  });
  for (let n = 0; n < 10; n++) handles.push(await echo(n));
  await consumer().start();
  assert.deepEqual(await Promise.all(handles.map((h) => h!.get({ blocking: true, timeout: 5 }))), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(queue.asked[0], 4);
  assert.ok(queue.asked.length <= 10, `asked ${queue.asked.length} times for 10 messages`);
});

test('a slot is freed once its call has run, while its result is stored, for up to THREADS calls at a time', async () => {
  const gates: (() => void)[] = [];
  class SlowStore extends MemoryDataStore {
    override async put(key: string, value: string): Promise<void> {
      await new Promise<void>((resolve) => gates.push(resolve));
      return super.put(key, value);
    }
  }
  const { invoker, queue, consumer } = setup({ resultStore: new SlowStore('r'), settings: { THREADS: 1 } });
  const ran: number[] = [];
  const note = queueCommand(invoker)(function note(n: number) {
    ran.push(n);
    return n;
  });
  const handles = [await note(1), await note(2), await note(3)];
  await consumer().start();
  await eventually(() => ran.length === 2, 'the second call to run while the first result is being stored');
  await sleep(100);
  assert.deepEqual(ran, [1, 2], 'a third call ran while two results were still being stored');
  assert.equal(gates.length, 2, 'the first result (slot freed) and the second (slot held) are being stored');
  while (ran.length < 3 || gates.length > 0) {
    gates.shift()?.();
    await sleep(5);
  }
  assert.deepEqual(await Promise.all(handles.map((h) => h!.get({ blocking: true, timeout: 5 }))), [1, 2, 3]);
  assert.deepEqual(await contractView(queue).claims!(), []);
});

test('with a store the queue cannot finish() into, the result is put and then the message acknowledged', async () => {
  const { invoker, queue, consumer } = setup({ resultStore: new MapStore('r') });
  const add = queueCommand(invoker)(function add(a: number, b: number) {
    return a + b;
  });
  const res = await add(2, 3);
  await consumer().start();
  assert.equal(await res.get({ blocking: true, timeout: 2 }), 5);
  await eventually(async () => (await contractView(queue).claims!()).length === 0, 'the message to be acknowledged');
});

test('async calls overlap: with THREADS 5, five sleeping calls are in flight together', async () => {
  const { invoker, consumer } = setup({ settings: { THREADS: 5 } });
  let now = 0;
  let peak = 0;
  const nap = queueCommand(invoker)(async function nap() {
    peak = Math.max(peak, ++now);
    await sleep(100);
    now--;
    return 'rested';
  });
  const handles = await Promise.all([1, 2, 3, 4, 5].map(() => nap()));
  await consumer().start();
  await Promise.all(handles.map((h) => h!.get({ blocking: true, timeout: 5 })));
  assert.equal(peak, 5);
});

/** A queue with only huey 0.2's four members: no blocking, no ack, no schedule. */
class PlainQueue extends BaseQueue {
  readonly blocking = false;
  items: string[] = [];
  reads: number[] = [];
  async write(data: string): Promise<void> {
    this.items.push(data);
  }
  async read(): Promise<string | null> {
    this.reads.push(Date.now());
    return this.items.shift() ?? null;
  }
  async flush(): Promise<void> {
    this.items = [];
  }
  async length(): Promise<number> {
    return this.items.length;
  }
}

test('a non-blocking queue is polled from INITIAL_DELAY growing by BACKOFF up to MAX_DELAY, and back after a message', async () => {
  const queue = new PlainQueue('plain');
  const { invoker, consumer, lines } = setup({ queue, settings: { INITIAL_DELAY: 0.01, BACKOFF: 2, MAX_DELAY: 0.08, LOGLEVEL: 'debug' } });
  const ping = queueCommand(invoker)(function ping() {
    return 'pong';
  });
  const c = consumer();
  const polls = (): number[] => lines.flatMap((line) => /polling again in (\d+) ms/.exec(line)?.slice(1).map(Number) ?? []);
  await c.start();
  await eventually(() => polls().length >= 6, 'six polls');
  assert.deepEqual(polls().slice(0, 6), [10, 20, 40, 80, 80, 80]);
  const before = polls().length;
  const res = await ping();
  assert.equal(await res.get({ blocking: true, timeout: 2 }), 'pong');
  await eventually(() => polls().length >= before + 2, 'polls after the message');
  assert.ok(polls().slice(before).includes(10), 'polling did not restart from INITIAL_DELAY after a message');
});

test('a call with an eta starts within 100 ms after it', async () => {
  const { invoker, consumer } = setup();
  const stamp = queueCommand(invoker)(function stamp() {
    return Date.now();
  });
  await consumer().start();
  const eta = new Date(Date.now() + 400);
  // a plain timer for the same instant: on a loaded machine it fires late too, and the consumer cannot beat it
  const timerFired = new Promise<number>((resolve) => setTimeout(() => resolve(Date.now()), 400));
  const res = await stamp.schedule({ args: [], eta });
  const started = (await res.get({ blocking: true, timeout: 5 })) as number;
  assert.ok(started >= eta.getTime(), 'started before its eta');
  const late = started - Math.max(eta.getTime(), await timerFired);
  assert.ok(late < 100, `started ${late} ms after a timer set for its eta fired`);
});

test('a call with delay waits in the backend schedule, not in the queue', async () => {
  const { invoker, queue, consumer } = setup();
  const later = queueCommand(invoker)(function later() {
    return 'done';
  });
  await consumer().start();
  await later.schedule({ args: [], delay: 60 });
  await eventually(async () => (await contractView(queue).nextEta!()) !== null, 'the call to be scheduled');
  assert.equal(await queue.length(), 0);
});

test('without a backend schedule, scheduled calls are saved to TASK_STORE and run by the next consumer', async () => {
  const queue = new PlainQueue('plain');
  const taskStore = new MemoryDataStore('tasks');
  const { invoker, consumer } = setup({ queue, taskStore, settings: { INITIAL_DELAY: 0.01, MAX_DELAY: 0.02 } });
  const later = queueCommand(invoker)(function later() {
    return 'ran';
  });
  const first = consumer();
  await first.start();
  const res = await later.schedule({ args: [], delay: 0.5 });
  await eventually(async () => queue.items.length === 0 && (await taskStore.peek('schedule')) !== undefined, 'the call to be taken');
  await first.stop();
  const saved = JSON.parse((await taskStore.peek('schedule')) as string) as string[];
  assert.equal(saved.length, 1);
  assert.match(saved[0]!, /"command":"[^"]*later"/);
  await consumer().start();
  assert.equal(await res.get({ blocking: true, timeout: 3 }), 'ran');
});

test('periodic commands are enqueued once per matching minute, however often the minute is asked for', async () => {
  const { invoker, queue, consumer } = setup({ settings: { PERIODIC: true } });
  const ran: string[] = [];
  periodicCommand(invoker, crontab({ minute: '*/5' }))(function everyFive() {
    ran.push('five');
  });
  periodicCommand(invoker, crontab({ minute: '1' }))(function atOne() {
    ran.push('one');
  });
  const c = consumer();
  // not started: nothing reads the queue, so what was enqueued can be counted
  assert.deepEqual(await c.enqueuePeriodic(new Date('2026-01-01T12:05:00.000Z')), ['test/consumer.test.everyFive']);
  assert.deepEqual(await c.enqueuePeriodic(new Date('2026-01-01T12:05:59.999Z')), [], 'a late tick of the same minute enqueued again');
  assert.deepEqual(await c.enqueuePeriodic(new Date('2026-01-01T12:04:59.000Z')), [], 'an earlier minute was enqueued after a later one');
  assert.deepEqual(await c.enqueuePeriodic(new Date('2026-01-01T12:06:00.000Z')), []);
  assert.deepEqual(await c.enqueuePeriodic(new Date('2026-01-01T13:01:00.000Z')), ['test/consumer.test.atOne']);
  assert.equal(await queue.length(), 2);
});

test('periodic minutes are read in UTC unless UTC is false', async () => {
  const { invoker, consumer } = setup({ settings: { UTC: false } });
  periodicCommand(invoker, crontab({ hour: String(new Date('2026-01-01T12:00:00Z').getHours()), minute: '0' }))(function localNoon() {});
  assert.equal((await consumer().enqueuePeriodic(new Date('2026-01-01T12:00:00Z'))).length, 1);
});

test('two consumers of one queue enqueue a periodic minute once between them', async () => {
  const { invoker, queue, consumer } = setup();
  periodicCommand(invoker, crontab())(function tick() {});
  const minute = new Date('2026-01-01T00:00:00Z');
  const both = await Promise.all([consumer().enqueuePeriodic(minute), consumer().enqueuePeriodic(minute)]);
  assert.equal(both.flat().length, 1);
  assert.equal(await queue.length(), 1);
});

test('periodic results are not stored', async () => {
  const resultStore = new MemoryDataStore('r');
  const puts: string[] = [];
  const put = resultStore.put.bind(resultStore);
  resultStore.put = async (key: string, value: string) => {
    puts.push(key);
    await put(key, value);
  };
  const { invoker, consumer } = setup({ resultStore });
  let calls = 0;
  periodicCommand(invoker, crontab())(function answer() {
    calls++;
    return 42;
  });
  const c = consumer();
  await c.start();
  await c.enqueuePeriodic(new Date('2026-01-01T00:00:00Z'));
  await eventually(() => calls === 1, 'the periodic call to run');
  await eventually(() => c.inFlight === 0, 'the call to finish');
  assert.deepEqual(puts, []);
});

test('a failing call is retried with one fewer try, then its error is stored for get()', async () => {
  const { invoker, consumer, lines } = setup();
  let calls = 0;
  const flaky = queueCommand(invoker, { retries: 2 })(function flaky() {
    calls++;
    throw new TypeError(`attempt ${calls} failed`);
  });
  const res = await flaky();
  await consumer().start();
  await assert.rejects(res.get({ blocking: true, timeout: 3 }), (error: unknown) => {
    assert.ok(error instanceof TaskException);
    assert.equal(error.message, 'attempt 3 failed');
    assert.equal(error.remoteName, 'TypeError');
    return true;
  });
  assert.equal(calls, 3);
  const log = lines.join('');
  // a failure that is retried is one WARN line, no stack; the last one an ERROR with its stack
  assert.match(log, new RegExp(`WARN  \\S*flaky ${res.taskId} failed \\(TypeError: attempt 1 failed\\); retry 1 of 2 in 0 s\n`));
  assert.match(log, new RegExp(`WARN  \\S*flaky ${res.taskId} failed \\(TypeError: attempt 2 failed\\); retry 2 of 2 in 0 s\n`));
  assert.match(log, new RegExp(`ERROR \\S*flaky ${res.taskId} failed: TypeError: attempt 3 failed\n\\s+at .*flaky`));
  assert.doesNotMatch(log, /TypeError: attempt 1 failed\n\s+at/, 'no stack for a failure that is retried');
});

test('a retry waits retryDelay seconds', async () => {
  const { invoker, consumer } = setup();
  const times: number[] = [];
  const flaky = queueCommand(invoker, { retries: 1, retryDelay: 0.3 })(function flaky() {
    times.push(Date.now());
    if (times.length === 1) throw new Error('once');
    return 'ok';
  });
  const res = await flaky();
  await consumer().start();
  assert.equal(await res.get({ blocking: true, timeout: 3 }), 'ok');
  const gap = times[1]! - times[0]!;
  assert.ok(gap >= 300, `retried after ${gap} ms, before retryDelay`);
});

test('an unknown command is logged and dead-lettered with the reason, and the consumer goes on', async () => {
  const { invoker, queue, consumer, lines } = setup();
  const ok = queueCommand(invoker)(function ok() {
    return 'fine';
  });
  const ghost = '{"v":1,"id":"ghost-1","command":"commands.ghost","args":[],"eta":null,"retries":0,"retryDelay":0,"enqueuedAt":"2026-01-01T00:00:00.000Z"}';
  await queue.write(ghost);
  const res = await ok();
  await consumer().start();
  assert.equal(await res.get({ blocking: true, timeout: 2 }), 'fine');
  assert.match(lines.join(''), /ERROR QueueException: commands\.ghost not found in CommandRegistry/);
  const letters = await contractView(queue).deadLetters!();
  assert.deepEqual(letters.map((l) => [l.data, l.reason]), [[ghost, 'QueueException: commands.ghost not found in CommandRegistry']]);
});

test('a malformed message is dead-lettered with the reason, never dropped', async () => {
  const { queue, consumer } = setup();
  await queue.write('{"v":1,"id":');
  await consumer().start();
  const letters = await eventually(async () => {
    const found = await contractView(queue).deadLetters!();
    return found.length === 1 ? found : undefined;
  }, 'the dead letter');
  assert.equal(letters![0]!.data, '{"v":1,"id":');
  assert.match(letters![0]!.reason, /^QueueReadException: Malformed message: not JSON/);
});

test('stop() waits for calls in flight, then resolves', async () => {
  const { invoker, consumer } = setup();
  let finished = false;
  const slow = queueCommand(invoker)(async function slow() {
    await sleep(200);
    finished = true;
  });
  await slow();
  const c = consumer();
  await c.start();
  await eventually(() => c.inFlight === 1, 'the call to start');
  await c.stop();
  assert.equal(finished, true);
});

test('stop() aborts the signal of a call still running after SHUTDOWN_TIMEOUT with ShutdownError and leaves it unacknowledged, to go back to the queue', async () => {
  const queue = new MemoryQueue('q');
  let acked = 0;
  const ack = queue.ack.bind(queue);
  queue.ack = async (data: string) => {
    acked++;
    await ack(data);
  };
  const { invoker, consumer, lines } = setup({ queue, settings: { SHUTDOWN_TIMEOUT: 0.1 } });
  let reason: unknown;
  const long = queueCommand(invoker)(async function long() {
    const task = currentTask()!;
    await sleepFor(5000, undefined, { signal: task.signal }).catch(() => (reason = task.signal.reason));
  });
  await long();
  const c = consumer();
  await c.start();
  await eventually(() => c.inFlight === 1, 'the call to start');
  const started = Date.now();
  await c.stop();
  assert.ok(Date.now() - started < 1000, 'a call that honours its signal stops at once');
  assert.ok(reason instanceof ShutdownError);
  assert.equal(acked, 0);
  assert.match(lines.join(''), /1 calls still running after 0\.1 s: stopping them/);
  assert.match(lines.join(''), /long \S+ stopped by the shutdown: it goes back to the queue/);
});

test('a call that ignores its aborted signal frees its slot after the grace, with a warning that it still runs', async () => {
  const { invoker, consumer, lines } = setup({ settings: { SHUTDOWN_TIMEOUT: 0.1 } });
  const stubborn = queueCommand(invoker)(async function stubborn() {
    await sleep(3000);
  });
  await stubborn();
  const c = consumer();
  await c.start();
  await eventually(() => c.inFlight === 1, 'the call to start');
  const started = Date.now();
  await c.stop();
  const took = Date.now() - started;
  assert.ok(took >= 1000 && took < 2500, `stopped after ${took} ms`);
  assert.match(lines.join(''), /stubborn \S+ ignored its signal \(the consumer is shutting down\) and still runs/);
});
