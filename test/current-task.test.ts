/**
 * `currentTask()` and a call's progress, in one process on the memory
 * backend: what a call may report, what a tight loop of reports costs, and
 * the settings that bound deliveries. The same through consumer processes
 * on every worker type is in `running-call.ts`.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { currentTask } from 'huey';
import { MemoryDataStore, MemoryQueue } from 'huey/backends/memory';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { queueCommand } from 'huey/decorators';
import { ConfigurationError, TaskException } from 'huey/exceptions';
import { Invoker } from 'huey/queue';
import { CommandRegistry } from 'huey/registry';
import { describeLine } from '../src/observe/inspection.js';

const consumers: Consumer[] = [];
afterEach(async () => {
  for (const consumer of consumers.splice(0)) await consumer.stop();
});

function setup() {
  const queue = new MemoryQueue('tasks');
  const invoker = new Invoker(queue, { resultStore: new MemoryDataStore('results'), registry: new CommandRegistry() });
  const Configuration = class extends BaseConfiguration {
    static override QUEUE = queue;
  };
  const start = async (): Promise<Consumer> => {
    const consumer = new Consumer(invoker, Configuration, { logSink: () => {}, readTimeoutMs: 50 });
    consumers.push(consumer);
    await consumer.start();
    return consumer;
  };
  return { queue, invoker, start };
}

test('progress() with a value that cannot be sent throws in the call the error an argument gets', async () => {
  const { invoker, start } = setup();
  const report = queueCommand(invoker)(function report() {
    try {
      currentTask()!.progress({ callback: () => 1 });
      return 'sent';
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`;
    }
  });
  const handle = (await report())!;
  await start();
  assert.match(String(await handle.get({ blocking: true, timeout: 5 })), /^QueueWriteException: Cannot send the progress of \S*report: the value\.callback is a function/);
});

test('a call reporting progress in a tight loop costs a write a quarter second, and the last report is kept', async () => {
  const { queue, invoker, start } = setup();
  let puts = 0;
  const put = queue.controlStore.put.bind(queue.controlStore);
  queue.controlStore.put = (key: string, value: string, ttlMs?: number) => {
    if (key.startsWith('progress:')) puts++;
    return put(key, value, ttlMs);
  };
  const crunch = queueCommand(invoker)(async function crunch(steps: number) {
    for (let done = 1; done <= steps; done++) {
      currentTask()!.progress({ done });
      if (done % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return steps;
  });
  const handle = (await crunch(100_000))!;
  await start();
  assert.equal(await handle.get({ blocking: true, timeout: 10 }), 100_000);
  assert.deepEqual(await handle.progress(), { done: 100_000 });
  assert.ok(puts <= 10, `${puts} progress writes for 100,000 reports`);
});

test('handle.progress() is undefined before the first report; currentTask() is undefined outside a call', async () => {
  const { invoker } = setup();
  const idle = queueCommand(invoker)(function idle() {});
  assert.equal(await (await idle())!.progress(), undefined);
  assert.equal(currentTask(), undefined);
});

test('MAX_DELIVERIES must be a positive integer, said in the package\'s words', () => {
  const { invoker } = setup();
  for (const bad of [0, 1.5, '3']) {
    const Configuration = class extends BaseConfiguration {
      static override MAX_DELIVERIES = bad as number;
    };
    assert.throws(() => new Consumer(invoker, Configuration), (error: unknown) => error instanceof ConfigurationError && /MAX_DELIVERIES/.test((error as Error).message));
  }
});

test('a call revoked while it runs in this process stops, is not retried, and its handle rejects naming the revoke', async () => {
  const { invoker, start } = setup();
  let runs = 0;
  const wait = queueCommand(invoker, { retries: 3 })(async function wait() {
    runs++;
    const { signal } = currentTask()!;
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    throw signal.reason;
  });
  const handle = (await wait())!;
  await start();
  while (runs === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  await handle.revoke();
  await assert.rejects(handle.get({ blocking: true, timeout: 5 }), (error: unknown) => error instanceof TaskException && error.remoteName === 'TaskRevoked' && /was revoked while it ran/.test(error.message));
  assert.equal(runs, 1);
});

test('huey trace says which attempt and delivery a start was when it is not the first', () => {
  const line = (payload: Record<string, unknown>) => describeLine({ time: '2030-01-01T12:00:00.000Z', pid: 1, host: 'h', event: 'started', payload: { taskId: 't', command: 'commands.x', ...payload } });
  assert.doesNotMatch(line({ attempt: 1, deliveries: 1 }), /attempt|delivered/);
  assert.match(line({ attempt: 2, deliveries: 3 }), /started\s+attempt 2, delivered 3×/);
});
