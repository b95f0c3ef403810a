/**
 * The consumer's behaviour suite, run once for each worker type: calls in
 * the consumer's event loop (async), in worker threads and in child
 * processes. Commands live in a scratch app that the workers import
 * themselves, as they do in production.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import type { MemoryQueue } from 'huey/backends/memory';
import { TaskException } from 'huey/exceptions';
import type { AsyncData } from 'huey/queue';
import { eventually, scratchPackage, sleep, type ScratchPackage } from './helpers.js';
import { contractView } from './backends/contract-view.js';

const APP = {
  'config.js': `
import { MemoryDataStore, MemoryQueue } from 'huey/backends/memory';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
export const queue = new MemoryQueue('workers');
export const invoker = new Invoker(queue, { resultStore: new MemoryDataStore('results') });
export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static RESULT_STORE = invoker.resultStore;
  static COMMANDS = ['./apps/*/commands.js'];
}
`,
  'apps/math/commands.js': `
import { queueCommand } from 'huey/decorators';
import { isMainThread } from 'node:worker_threads';
import { invoker } from '../../config.js';
export const add = queueCommand(invoker)(function add(a, b) {
  return { sum: a + b, where: isMainThread ? process.pid : 'thread' };
});
export const flaky = queueCommand(invoker, { retries: 1 })(function flaky(key) {
  throw new Error('flaky ' + key);
});
export const nap = queueCommand(invoker)(async function nap(ms) {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return 'rested';
});
export const hang = queueCommand(invoker, { timeout: 0.2 })(async function hang() {
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return 'too late';
});
export const crash = queueCommand(invoker, { retries: 1 })(function crash(marker) {
  // crash on the first try only: the marker file remembers across workers
  return import('node:fs').then(({ existsSync, writeFileSync }) => {
    if (existsSync(marker)) return 'survived';
    writeFileSync(marker, 'x');
    process.exit(7);
  });
});
`,
};

// one app for every worker type: its command names can be registered only once in this process
let app: ScratchPackage;
before(async () => {
  app = await scratchPackage(APP);
});
after(async () => {
  await app.remove();
});

for (const type of ['async', 'thread', 'process'] as const) {
  describe(`with ${type} workers`, () => {
    let consumer: Consumer;
    let queue: MemoryQueue;
    let commands: Record<string, (...args: unknown[]) => Promise<AsyncData<unknown>>>;
    const lines: string[] = [];

    before(async () => {
      const config = (await import(app.url('config.js'))) as { Configuration: typeof BaseConfiguration; queue: MemoryQueue };
      queue = config.queue;
      const Configuration = class extends config.Configuration {
        static override WORKER_TYPE = type;
        static override THREADS = 2;
        static override SHUTDOWN_TIMEOUT = 5;
      };
      consumer = new Consumer(new (await import('huey/queue')).Invoker(queue, { resultStore: Configuration.RESULT_STORE! }), Configuration, {
        configModule: { file: `${app.path}/config.js`, attribute: 'Configuration' },
        importRoot: app.path,
        logSink: (line) => lines.push(line),
        readTimeoutMs: 50,
      });
      await consumer.start();
      commands = (await import(app.url('apps/math/commands.js'))) as typeof commands;
    });
    after(async () => {
      await consumer.stop();
    });

    test('COMMANDS globs are imported at start-up and logged', () => {
      // the module was imported by the first consumer of this process; ESM imports a module once
      assert.match(lines.join(''), /imported apps\/math\/commands\.js \(COMMANDS\)/);
      assert.match(lines.join(''), /\+ apps\/math\/commands\.add/);
      if (type !== 'async') assert.equal(lines.filter((line) => /worker (thread|process) \S+ imported config\.js and 1 COMMANDS modules: 5 commands/.test(line)).length, 2);
    });

    test('a call runs in the right place and its result is stored', async () => {
      const result = (await (await commands.add!(2, 3)).get({ blocking: true, timeout: 5 })) as { sum: number; where: number | string };
      assert.equal(result.sum, 5);
      if (type === 'async') assert.equal(result.where, process.pid);
      if (type === 'thread') assert.equal(result.where, 'thread');
      if (type === 'process') assert.ok(typeof result.where === 'number' && result.where !== process.pid);
    });

    test('a failing call is retried, then get() rejects with its error', async () => {
      const res = await commands.flaky!('k');
      await assert.rejects(res.get({ blocking: true, timeout: 5 }), (error: unknown) => error instanceof TaskException && error.message === 'flaky k');
      assert.match(lines.join(''), new RegExp(`${res.taskId} failed \\(Error: flaky \\S+\\); retry 1 of 1 in 0 s`));
    });

    test('a call with an eta waits for it', async () => {
      const eta = new Date(Date.now() + 300);
      const res = await (commands.nap as unknown as { schedule: (o: object) => Promise<AsyncData<unknown>> }).schedule({ args: [1], eta });
      assert.equal(await res.get({ blocking: true, timeout: 5 }), 'rested');
      assert.ok(Date.now() >= eta.getTime());
    });

    test('an unknown command is dead-lettered', async () => {
      await queue.write('{"v":1,"id":"ghost","command":"apps/math/commands.ghost","args":[],"eta":null,"retries":0,"retryDelay":0,"enqueuedAt":"2026-01-01T00:00:00.000Z"}');
      await eventually(async () => (await contractView(queue).deadLetters!()).some((letter) => letter.reason === 'QueueException: apps/math/commands.ghost not found in CommandRegistry'), 'the dead letter');
    });

    test('a call over its timeout fails with TimeoutError', async () => {
      const res = await commands.hang!();
      await assert.rejects(res.get({ blocking: true, timeout: 5 }), (error: unknown) => error instanceof TaskException && error.remoteName === 'TimeoutError');
      if (type !== 'async') await eventually(() => /ended: apps\/math\/commands\.hang \S+ did not stop within \d+ ms of its signal \(apps\/math\/commands\.hang \S+ timed out after [\d.]+ s\); starting a new one/.test(lines.join('')), 'the worker to be replaced');
    });

    if (type !== 'async') {
      test('a worker that exits mid-call is replaced and the call is retried', async () => {
        const marker = `${app.path}/crashed-${type}`;
        const res = await commands.crash!(marker);
        assert.equal(await res.get({ blocking: true, timeout: 10 }), 'survived');
        assert.match(lines.join(''), /exited with code 7; starting a new one/);
        assert.match(lines.join(''), /WorkerExitError: worker \S+ \S+ exited with code 7 while running apps\/math\/commands\.crash/);
      });
    }

    test('stop() waits for calls in flight', async () => {
      const res = await commands.nap!(300);
      await eventually(() => consumer.inFlight === 1, 'the call to start');
      await consumer.stop();
      assert.equal(await res.get(), 'rested');
      await consumer.start();
    });
  });
}

describe('COMMANDS errors stop start-up', () => {
  const start = async (files: Record<string, string>, commands: string[]): Promise<unknown> => {
    const app = await scratchPackage({
      ...files,
      'config.js': `
import { MemoryQueue } from 'huey/backends/memory';
import { BaseConfiguration } from 'huey/bin/config';
export class Configuration extends BaseConfiguration { static QUEUE = new MemoryQueue('q'); static COMMANDS = ${JSON.stringify(commands)}; }
`,
    });
    try {
      const { Configuration } = (await import(app.url('config.js'))) as { Configuration: typeof BaseConfiguration };
      const consumer = new Consumer(new (await import('huey/queue')).Invoker(Configuration.QUEUE!), Configuration, {
        configModule: { file: `${app.path}/config.js`, attribute: 'Configuration' },
        logSink: () => {},
      });
      return await consumer.start().then(() => consumer.stop(), (error: unknown) => error);
    } finally {
      await app.remove();
    }
  };

  test('a path that matches nothing is named in the error', async () => {
    const error = (await start({}, ['./missing/*.js'])) as Error;
    assert.equal(error.name, 'ConfigurationError');
    assert.match(error.message, /^COMMANDS: "\.\/missing\/\*\.js" matches no file/);
  });

  test('a module that fails to import is named in the error, with its cause', async () => {
    const error = (await start({ 'bad.js': 'throw new Error("kaput");' }, ['./bad.js'])) as Error;
    assert.equal(error.name, 'ConfigurationError');
    assert.match(error.message, /^COMMANDS: unable to import "bad\.js"\nError: kaput/);
  });
});
