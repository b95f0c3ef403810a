/**
 * Two consumers of one queue that import different command modules: the
 * one that dead-letters a command says which live consumer knows it.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { FileDataStore, FileQueue } from 'huey/backends/file';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { queueCommand, type QueuedFunction } from 'huey/decorators';
import { TaskException } from 'huey/exceptions';
import { Invoker } from 'huey/queue';
import { CommandRegistry } from 'huey/registry';
import { eventually, scratchDir } from './helpers.js';

test('a consumer that dead-letters a command another live consumer of the queue knows names that consumer', async () => {
  const dir = await scratchDir();
  const consumerOn = (commands: (invoker: Invoker) => void) => {
    const queue = new FileQueue('jobs', { path: dir.path });
    const invoker = new Invoker(queue, { registry: new CommandRegistry(), resultStore: new FileDataStore('results', { path: dir.path }) });
    commands(invoker);
    const Configuration = class extends BaseConfiguration {};
    Object.assign(Configuration, { QUEUE: queue, THREADS: 1 });
    return { invoker, consumer: new Consumer(invoker, Configuration, { logSink: () => {}, readTimeoutMs: 50 }) };
  };
  let release = (): void => {};
  const busy = new Promise<void>((resolve) => (release = resolve));
  let send: QueuedFunction<[number], number> | undefined;
  // one consumer imports the billing commands as well, and is kept busy by its one slot
  const full = consumerOn((invoker) => {
    queueCommand(invoker, { name: 'commands.hold' })(function hold() {
      return busy;
    })();
    send = queueCommand(invoker, { name: 'billing.charge' })(function charge(n: number) {
      return n;
    });
  });
  const partial = consumerOn(() => {});
  try {
    await full.consumer.start();
    await eventually(async () => (await full.invoker.queue.length()) === 0, 'the busy consumer took its call');
    const handle = await send!(5);
    await partial.consumer.step();
    const reason = `QueueException: billing.charge not found in CommandRegistry; consumer pid ${process.pid} on host ${hostname()} knows it: do both import the same modules?`;
    await assert.rejects(handle.get({ blocking: true, timeout: 5 }), (error: unknown) => error instanceof TaskException && error.message === reason);
    assert.equal(await full.invoker.queue.length(), 0, 'the message was not left behind: it is a dead letter');
  } finally {
    release();
    await full.consumer.stop();
    await full.invoker.close();
    await partial.invoker.close();
    await dir.remove();
  }
});

test('with no other consumer that knows it, the reason is the unknown command alone', async () => {
  const dir = await scratchDir();
  try {
    const queue = new FileQueue('jobs', { path: dir.path });
    const invoker = new Invoker(queue, { registry: new CommandRegistry(), resultStore: new FileDataStore('results', { path: dir.path }) });
    const ghost = queueCommand(invoker, { name: 'billing.ghost' })(function ghost() {});
    const handle = await ghost();
    const Configuration = class extends BaseConfiguration {};
    Object.assign(Configuration, { QUEUE: queue });
    const consumer = new Consumer(new Invoker(queue, { registry: new CommandRegistry(), resultStore: invoker.resultStore }), Configuration, { logSink: () => {} });
    await consumer.step();
    await assert.rejects(handle.get({ blocking: true, timeout: 5 }), { message: 'QueueException: billing.ghost not found in CommandRegistry' });
    await invoker.close();
  } finally {
    await dir.remove();
  }
});
