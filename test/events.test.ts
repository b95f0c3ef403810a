/**
 * Events: the typed emitter, and what the invoker and the consumer emit
 * through `invoker.events` over a task's life.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_NAMES, TypedEmitter, type HueyEventName, type HueyEvents } from 'huey';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { queueCommand } from 'huey/decorators';
import { memoryInvoker } from './helpers.js';

test('on() listeners get each payload in order; off() removes one; emit() tells whether anyone listened', () => {
  const events = new TypedEmitter<{ ping: { n: number } }>();
  const seen: string[] = [];
  const a = ({ n }: { n: number }): void => void seen.push(`a${n}`);
  events.on('ping', a).on('ping', ({ n }) => seen.push(`b${n}`));
  assert.equal(events.emit('ping', { n: 1 }), true);
  events.off('ping', a);
  events.emit('ping', { n: 2 });
  assert.deepEqual(seen, ['a1', 'b1', 'b2']);
  assert.equal(events.listenerCount('ping'), 1);
  assert.equal(new TypedEmitter<{ ping: { n: number } }>().emit('ping', { n: 0 }), false);
});

test('once() listens to the next event only, and off() removes it before it fires', () => {
  const events = new TypedEmitter<{ ping: number }>();
  const seen: number[] = [];
  const listener = (n: number): void => void seen.push(n);
  events.once('ping', listener);
  events.emit('ping', 1);
  events.emit('ping', 2);
  events.once('ping', listener).off('ping', listener);
  events.emit('ping', 3);
  assert.deepEqual(seen, [1]);
  assert.equal(events.listenerCount('ping'), 0);
});

test('a listener that throws does not stop the other listeners', () => {
  const events = new TypedEmitter<{ ping: number }>();
  const seen: number[] = [];
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning.name);
  process.on('warning', onWarning);
  events.on('ping', () => {
    throw new Error('bad listener');
  });
  events.on('ping', (n) => seen.push(n));
  events.emit('ping', 7);
  assert.deepEqual(seen, [7]);
  return new Promise<void>((resolve) =>
    setImmediate(() => {
      process.off('warning', onWarning);
      assert.deepEqual(warnings, ['HueyListenerWarning']);
      resolve();
    }),
  );
});

test('EVENT_NAMES lists the sixteen events of the map', () => {
  const expected: HueyEventName[] = ['enqueued', 'received', 'scheduled', 'waiting', 'started', 'finished', 'failed', 'retrying', 'resultStored', 'resultRead', 'revoked', 'expired', 'deadLettered', 'recovered', 'periodicEnqueued', 'reloaded'];
  assert.deepEqual([...EVENT_NAMES].sort(), [...expected].sort());
});

/** Records every event of an emitter as [name, payload]. */
function record(events: TypedEmitter<HueyEvents>): [HueyEventName, Record<string, unknown>][] {
  const seen: [HueyEventName, Record<string, unknown>][] = [];
  for (const name of EVENT_NAMES) events.on(name, (payload) => seen.push([name, payload as Record<string, unknown>]));
  return seen;
}

test('a call that succeeds emits enqueued, received, started, finished (with its duration), resultStored, resultRead', async () => {
  const { invoker } = memoryInvoker();
  const seen = record(invoker.events);
  const add = queueCommand(invoker, { name: 'tasks.add' })((a: number, b: number) => a + b);
  const res = await add(1, 2);
  const consumer = new Consumer(invoker, BaseConfiguration, { logSink: () => {} });
  await consumer.step();
  assert.equal(await res.get(), 3);
  assert.deepEqual(seen.map(([name]) => name), ['enqueued', 'received', 'started', 'finished', 'resultStored', 'resultRead']);
  for (const [name, payload] of seen) assert.equal(payload.taskId, res.taskId, name);
  const finished = seen.find(([name]) => name === 'finished')![1];
  assert.equal(finished.command, 'tasks.add');
  assert.equal(typeof finished.duration, 'number');
  assert.ok((finished.duration as number) >= 0);
});

test('a failing call with a retry emits failed, then enqueued and retrying for the retry; its last failure stores the error', async () => {
  const { invoker } = memoryInvoker();
  const seen = record(invoker.events);
  const boom = queueCommand(invoker, { name: 'tasks.boom', retries: 1 })(() => {
    throw new TypeError('no beans');
  });
  await boom();
  const consumer = new Consumer(invoker, BaseConfiguration, { logSink: () => {} });
  await consumer.step();
  await consumer.step();
  const names = seen.map(([name]) => name);
  assert.deepEqual(names, ['enqueued', 'received', 'started', 'failed', 'enqueued', 'retrying', 'received', 'started', 'failed', 'resultStored']);
  const [firstFailure, lastFailure] = seen.filter(([name]) => name === 'failed').map(([, p]) => p);
  assert.equal(firstFailure!.error, 'TypeError: no beans');
  assert.equal(firstFailure!.retries, 1);
  assert.equal(lastFailure!.retries, 0);
  assert.equal(seen.find(([name]) => name === 'resultStored')![1].ok, false);
});

test('an unknown command emits deadLettered with its id, command and reason', async () => {
  const { invoker, queue } = memoryInvoker();
  const seen = record(invoker.events);
  await queue.write(JSON.stringify({ v: 1, id: 'ghost-1', command: 'commands.ghost', args: [], eta: null, retries: 0, retryDelay: 0, enqueuedAt: new Date().toISOString() }));
  await new Consumer(invoker, BaseConfiguration, { logSink: () => {} }).step();
  assert.deepEqual(seen, [['deadLettered', { taskId: 'ghost-1', command: 'commands.ghost', reason: 'QueueException: commands.ghost not found in CommandRegistry' }]]);
});

test('a message that is not JSON is dead-lettered with neither id nor command', async () => {
  const { invoker, queue } = memoryInvoker();
  const seen = record(invoker.events);
  await queue.write('not json');
  await new Consumer(invoker, BaseConfiguration, { logSink: () => {} }).step();
  assert.equal(seen.length, 1);
  assert.equal(seen[0]![0], 'deadLettered');
  assert.equal(seen[0]![1].taskId, undefined);
  assert.match(seen[0]![1].reason as string, /^QueueReadException: Malformed message/);
});

test('with nobody listening, events build no payloads: a call emits nothing and costs one lookup per event', async () => {
  const { invoker } = memoryInvoker();
  const counted: string[] = [];
  const count = invoker.events.listenerCount.bind(invoker.events);
  invoker.events.listenerCount = (name) => {
    counted.push(String(name));
    return count(name);
  };
  const emit = invoker.events.emit.bind(invoker.events);
  let emitted = 0;
  invoker.events.emit = (name, payload) => {
    emitted++;
    return emit(name, payload);
  };
  const add = queueCommand(invoker, { name: 'tasks.add' })((a: number, b: number) => a + b);
  const res = await add(1, 2);
  // the history listens to the consumer's events (HISTORY): off here, so that nobody listens
  class Unrecorded extends BaseConfiguration {
    static override HISTORY = 0;
  }
  await new Consumer(invoker, Unrecorded, { logSink: () => {} }).step();
  assert.equal(await res.get(), 3);
  assert.equal(emitted, 0);
  assert.deepEqual(counted, ['enqueued', 'received', 'started', 'finished', 'resultStored', 'resultRead']);
});

test('alwaysEager emits revoked for a revoked call and expired for an expired one, each with the reason', async () => {
  const { invoker } = memoryInvoker({ alwaysEager: true });
  const seen = record(invoker.events);
  const work = queueCommand(invoker)(function work() {});
  await work.revoke({ once: true });
  const revoked = (await work())!;
  const expired = (await work.schedule({ args: [], expires: new Date(0) }))!;
  assert.deepEqual(seen, [
    ['revoked', { taskId: revoked.taskId, command: work.commandName, reason: `${work.commandName} is revoked and was not run` }],
    ['expired', { taskId: expired.taskId, command: work.commandName, reason: `${work.commandName} ${expired.taskId} expired at 1970-01-01T00:00:00.000Z and was not run` }],
  ]);
});
