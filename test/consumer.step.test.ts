/**
 * Step mode: `consumer.step()` does one thing with the injected clock, so
 * eta, periodic and retry behaviour is tested without waiting.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { crontab, periodicCommand, queueCommand } from 'huey/decorators';
import { ConfigurationError } from 'huey/exceptions';
import { memoryInvoker } from './helpers.js';

const T0 = new Date('2030-01-01T12:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

/** A clock the test moves by hand. */
function manualClock(start = T0): { now: () => Date; set: (date: Date) => void } {
  let now = start;
  return { now: () => now, set: (date) => (now = date) };
}

test('step() with nothing to do answers idle', async () => {
  const { invoker } = memoryInvoker();
  const consumer = new Consumer(invoker, BaseConfiguration, { logSink: () => {} });
  assert.deepEqual(await consumer.step(), { kind: 'idle' });
});

test('step() runs exactly one waiting message and leaves the next one in the queue', async () => {
  const { invoker, queue } = memoryInvoker();
  const runs: number[] = [];
  const note = queueCommand(invoker, { name: 'tasks.note' })((n: number) => void runs.push(n));
  const first = await note(1);
  await note(2);
  const consumer = new Consumer(invoker, BaseConfiguration, { logSink: () => {} });
  assert.deepEqual(await consumer.step(), { kind: 'message', taskId: first!.taskId, command: 'tasks.note' });
  assert.deepEqual(runs, [1]);
  assert.equal(await queue.length(), 1);
});

test('a call with an eta is scheduled by one step and run by the first step at or after its eta, by the injected clock', async () => {
  const { invoker, queue } = memoryInvoker();
  const clock = manualClock();
  const runs: Date[] = [];
  const note = queueCommand(invoker, { name: 'tasks.note' })(() => void runs.push(clock.now()));
  const res = await note.schedule({ args: [], eta: at(30) });
  const consumer = new Consumer(invoker, BaseConfiguration, { logSink: () => {}, clock: clock.now });
  assert.equal((await consumer.step()).kind, 'message');
  assert.deepEqual(runs, []);
  assert.equal((await queue.nextEta())?.getTime(), at(30).getTime());
  clock.set(at(29.999));
  assert.deepEqual(await consumer.step(), { kind: 'idle' });
  clock.set(at(30));
  assert.deepEqual(await consumer.step(), { kind: 'scheduled', taskId: res.taskId, command: 'tasks.note' });
  assert.deepEqual(runs, [at(30)]);
  assert.equal(await queue.nextEta(), null);
});

test('a failing call with retries and a retryDelay is retried by the steps after the delay, until it succeeds', async () => {
  const { invoker } = memoryInvoker();
  const clock = manualClock();
  let tries = 0;
  const flaky = queueCommand(invoker, { name: 'tasks.flaky', retries: 2, retryDelay: 10 })(() => {
    tries++;
    if (tries < 3) throw new Error(`try ${tries} failed`);
    return 'done';
  });
  const res = await flaky();
  const consumer = new Consumer(invoker, BaseConfiguration, { logSink: () => {}, clock: clock.now });
  await consumer.step(); // fails, re-enqueued with an eta 10 s ahead
  assert.equal(tries, 1);
  await consumer.step(); // reads the retry and schedules it
  assert.deepEqual(await consumer.step(), { kind: 'idle' });
  clock.set(at(10));
  await consumer.step(); // second try fails, re-enqueued for 20 s
  assert.equal(tries, 2);
  await consumer.step();
  clock.set(at(19));
  assert.deepEqual(await consumer.step(), { kind: 'idle' });
  clock.set(at(20));
  await consumer.step();
  assert.equal(tries, 3);
  assert.equal(await res.get(), 'done');
});

test('with PERIODIC, a step in a new minute enqueues that minute\'s periodic commands once; the next step runs them', async () => {
  const { invoker } = memoryInvoker();
  const clock = manualClock(at(-0.5));
  const runs: string[] = [];
  periodicCommand(invoker, crontab({ minute: '*/2' }), { name: 'tasks.everyOther' })(() => void runs.push(clock.now().toISOString()));
  const Configuration = class extends BaseConfiguration {
    static override PERIODIC = true;
  };
  const consumer = new Consumer(invoker, Configuration, { logSink: () => {}, clock: clock.now });
  // 11:59 is odd: a tick that enqueues nothing
  assert.deepEqual(await consumer.step(), { kind: 'periodic', enqueued: [] });
  assert.deepEqual(await consumer.step(), { kind: 'idle' });
  clock.set(T0);
  assert.deepEqual(await consumer.step(), { kind: 'periodic', enqueued: ['tasks.everyOther'] });
  assert.equal((await consumer.step()).kind, 'message');
  assert.deepEqual(await consumer.step(), { kind: 'idle' }, 'the same minute is not enqueued twice');
  clock.set(at(60));
  assert.deepEqual(await consumer.step(), { kind: 'periodic', enqueued: [] });
  clock.set(at(120));
  assert.deepEqual(await consumer.step(), { kind: 'periodic', enqueued: ['tasks.everyOther'] });
  await consumer.step();
  assert.deepEqual(runs, [T0.toISOString(), at(120).toISOString()]);
});

test('step() on a started consumer is a ConfigurationError', async () => {
  const { invoker } = memoryInvoker();
  const consumer = new Consumer(invoker, BaseConfiguration, { logSink: () => {}, readTimeoutMs: 20 });
  await consumer.start();
  try {
    await assert.rejects(consumer.step(), ConfigurationError);
  } finally {
    await consumer.stop();
  }
});
