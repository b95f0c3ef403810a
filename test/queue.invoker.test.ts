/**
 * Invoker: enqueue, dequeue and execute, eager mode, and which results are
 * stored (storeNone, periodic commands, failures).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  AsyncData,
  BaseQueue,
  CommandRegistry,
  crontab,
  DataStorePutException,
  EmptyData,
  Invoker,
  MemoryDataStore,
  MemoryQueue,
  periodicCommand,
  PeriodicQueueCommand,
  QueueCommand,
  QueueException,
  QueueReadException,
  queueCommand,
  QueueWriteException,
  TaskException,
} from 'huey';
import { encodeMessage } from '../src/core/message.js';
import { memoryInvoker, scratchPackage, type ScratchPackage } from './helpers.js';

/** A raw message for `command`, as a producer elsewhere would write it. */
const rawMessage = (command: string, args: unknown[] = []): string =>
  encodeMessage({ id: `id-${command}`, command, args, eta: null, retries: 0, retryDelay: 0, enqueuedAt: new Date('2011-01-01T00:00:00Z') });

/** A queue whose every call fails, to see the errors wrapped. */
class BrokenQueue extends BaseQueue {
  readonly blocking = false;
  readonly failure = new Error('disk on fire');
  async write(): Promise<void> {
    throw this.failure;
  }
  async read(): Promise<string | null> {
    throw this.failure;
  }
  async flush(): Promise<void> {}
  async length(): Promise<number> {
    return 0;
  }
}

describe('new Invoker()', () => {
  test('defaults: no stores, storeNone and alwaysEager off, the shared registry', async () => {
    const { registry } = await import('huey');
    const invoker = new Invoker(new MemoryQueue('q'));
    assert.equal(invoker.resultStore, undefined);
    assert.equal(invoker.taskStore, undefined);
    assert.equal(invoker.storeNone, false);
    assert.equal(invoker.alwaysEager, false);
    assert.equal(invoker.registry, registry);
  });
});

describe('Invoker.enqueue()', () => {
  test('writes one message and returns a handle whose taskId is the message id', async () => {
    const { invoker, queue } = memoryInvoker();
    const add = queueCommand(invoker)(function add(a: number, b: number) {
      return a + b;
    });
    const res = await add(1, 2);
    assert.ok(res instanceof AsyncData);
    assert.equal(await queue.length(), 1);
    const message = JSON.parse((await queue.read())!) as { id: string; command: string; args: unknown[]; eta: null };
    assert.equal(message.id, res.taskId);
    assert.equal(message.command, add.commandName);
    assert.deepEqual(message.args, [1, 2]);
    assert.equal(message.eta, null);
  });

  test('without a result store the call resolves to a handle whose get() throws ConfigurationError, and the message stays queued', async () => {
    const queue = new MemoryQueue('q');
    const invoker = new Invoker(queue, { registry: new CommandRegistry() });
    const add = queueCommand(invoker)(function add(a: number, b: number) {
      return a + b;
    });
    const res = await add(1, 2);
    await assert.rejects(res.get(), { name: 'ConfigurationError', message: `Task ${res.taskId} has no result store to answer through: give the Invoker a resultStore (periodic commands store no results)` });
    assert.equal(await queue.length(), 1);
  });

  test('a queue that fails to write rejects with QueueWriteException keeping the cause and the message', async () => {
    const queue = new BrokenQueue('broken');
    const invoker = new Invoker(queue, { registry: new CommandRegistry() });
    const add = queueCommand(invoker)(function add(a: number, b: number) {
      return a + b;
    });
    await assert.rejects(add(1, 2), (error: unknown) => {
      assert.ok(error instanceof QueueWriteException);
      assert.equal(error.cause, queue.failure);
      assert.equal((JSON.parse(error.raw!) as { command: string }).command, add.commandName);
      return true;
    });
  });

  test('a periodic command is enqueued with a handle that reads no result store, though the invoker has one', async () => {
    const { invoker, queue, store } = memoryInvoker();
    const report = periodicCommand(invoker, crontab())(function report() {});
    const definition = invoker.registry.commands()[0]!;
    assert.equal(definition.fn, report);
    const res = await invoker.enqueue(new PeriodicQueueCommand(definition, []));
    await assert.rejects(res.get({ blocking: true }), { name: 'ConfigurationError', message: /periodic commands store no results/ });
    assert.equal(await queue.length(), 1);
    assert.equal(await store.get(res.taskId), EmptyData);
  });
});

describe('alwaysEager', () => {
  test('enqueue() with alwaysEager runs the call inline and returns a handle with its result', async () => {
    const { invoker, queue } = memoryInvoker({ alwaysEager: true });
    const add = queueCommand(invoker)(async function add(a: number, b: number) {
      return a + b;
    });
    const res = await add(1, 2);
    assert.ok(res instanceof AsyncData);
    assert.equal(await res.get(), 3);
    assert.equal(await res.get({ blocking: true, timeout: 0 }), 3);
    assert.equal(await queue.length(), 0, 'nothing was queued');
  });

  test('alwaysEager without a result store still returns a settled handle', async () => {
    const invoker = new Invoker(new MemoryQueue('q'), { alwaysEager: true, registry: new CommandRegistry() });
    const shout = queueCommand(invoker)(function shout(text: string) {
      return text.toUpperCase();
    });
    assert.equal(await (await shout('hi')).get(), 'HI');
    assert.equal(await (await shout.schedule({ args: ['later'], delay: 3600 })).get(), 'LATER');
  });

  test('a function that throws under alwaysEager rejects the call with its own error', async () => {
    const { invoker } = memoryInvoker({ alwaysEager: true });
    const failure = new RangeError('too many beans');
    const count = queueCommand(invoker)(function count() {
      throw failure;
    });
    await assert.rejects(count(), (error: unknown) => error === failure);
  });

  test('alwaysEager sends arguments and results through the wire format, as a queue would', async () => {
    const { invoker } = memoryInvoker({ alwaysEager: true });
    const seen: unknown[] = [];
    const keep = queueCommand(invoker)(function keep(value: unknown) {
      seen.push(value);
      return { back: value };
    });
    const sent = { when: new Date(0), tags: new Set(['a']) };
    const result = (await (await keep(sent)).get()) as { back: typeof sent };
    assert.deepEqual(seen[0], sent);
    assert.notEqual(seen[0], sent, 'the command got the caller\'s own object');
    assert.deepEqual(result.back, sent);
    await assert.rejects(keep(() => 1), QueueWriteException);
    assert.equal(seen.length, 1, 'a call that could not be sent ran anyway');
  });
});

describe('Invoker.dequeue()', () => {
  const packages: ScratchPackage[] = [];
  after(async () => {
    for (const pkg of packages) await pkg.remove();
  });

  test('reads the next call back as a QueueCommand of the registered function', async () => {
    const { invoker } = memoryInvoker();
    const add = queueCommand(invoker, { retries: 2, retryDelay: 5 })(function add(a: number, b: number) {
      return a + b;
    });
    const res = await add.schedule({ args: [1, 2], eta: new Date('2030-01-01T00:00:00Z') });
    const command = await invoker.dequeue();
    assert.ok(command instanceof QueueCommand);
    assert.equal(command.name, add.commandName);
    assert.equal(command.taskId, res.taskId);
    assert.deepEqual(command.args, [1, 2]);
    assert.deepEqual(command.eta, new Date('2030-01-01T00:00:00Z'));
    assert.equal(command.retries, 2);
    assert.equal(command.retryDelay, 5);
    assert.equal(typeof command.raw, 'string');
    assert.equal(await command.execute(), 3);
  });

  test('an empty queue answers undefined', async () => {
    const { invoker } = memoryInvoker();
    assert.equal(await invoker.dequeue(), undefined);
  });

  test('a periodic command comes back as a PeriodicQueueCommand that checks its crontab', async () => {
    const { invoker } = memoryInvoker();
    periodicCommand(invoker, crontab({ minute: '0' }))(function onTheHour() {});
    const definition = invoker.registry.commands()[0]!;
    await invoker.enqueue(new PeriodicQueueCommand(definition, []));
    const command = await invoker.dequeue();
    assert.ok(command instanceof PeriodicQueueCommand);
    assert.equal(command.validateDatetime(new Date('2011-01-01T05:00:30Z')), true);
    assert.equal(command.validateDatetime(new Date('2011-01-01T05:01:00Z')), false);
  });

  test('an unknown command name rejects with QueueException "<name> not found in CommandRegistry", raw text kept', async () => {
    const { invoker, queue } = memoryInvoker();
    const raw = rawMessage('commands.ghost');
    await queue.write(raw);
    await assert.rejects(invoker.dequeue(), (error: unknown) => {
      assert.ok(error instanceof QueueException);
      assert.ok(!(error instanceof QueueReadException), 'the message itself is well formed');
      assert.equal(error.message, 'commands.ghost not found in CommandRegistry');
      assert.equal(error.raw, raw);
      return true;
    });
  });

  test('a malformed message rejects with QueueReadException, raw text kept', async () => {
    const { invoker, queue } = memoryInvoker();
    await queue.write('commands.countBeans:100');
    await assert.rejects(invoker.dequeue(), (error: unknown) => error instanceof QueueReadException && error.raw === 'commands.countBeans:100');
  });

  test('a queue that fails to read rejects with QueueReadException keeping the cause', async () => {
    const queue = new BrokenQueue('broken');
    const invoker = new Invoker(queue, { registry: new CommandRegistry() });
    await assert.rejects(invoker.dequeue(), (error: unknown) => error instanceof QueueReadException && error.cause === queue.failure);
  });

  test('with importRoot an unknown command is imported from its module, once, then run', async () => {
    const pkg = await scratchPackage({
      'shared.js': `
import { CommandRegistry, Invoker, MemoryQueue } from 'huey';
export const invoker = new Invoker(new MemoryQueue('scratch'), { registry: new CommandRegistry() });
`,
      'commands.js': `
import { queueCommand } from 'huey';
import { invoker } from './shared.js';
export const countBeans = queueCommand(invoker)(function countBeans(n) { return \`Counted \${n} beans\`; });
`,
      'broken.js': "throw new Error('syntax of a bad day');\n",
    });
    packages.push(pkg);
    const { invoker } = (await import(pkg.url('shared.js'))) as { invoker: Invoker };
    await invoker.queue.write(rawMessage('commands.countBeans', [100]));
    assert.equal(invoker.registry.get('commands.countBeans'), undefined, 'not imported yet: the lesson of huey');
    const command = await invoker.dequeue({ importRoot: pkg.path });
    assert.equal(await command?.execute(), 'Counted 100 beans');

    await invoker.queue.write(rawMessage('commands.ghost'));
    await assert.rejects(invoker.dequeue({ importRoot: pkg.path }), /commands\.ghost not found in CommandRegistry/);

    const raw = rawMessage('broken.fn');
    await invoker.queue.write(raw);
    await assert.rejects(invoker.dequeue({ importRoot: pkg.path }), (error: unknown) => {
      assert.ok(error instanceof QueueException);
      assert.match(error.message, /broken\.fn could not be imported: syntax of a bad day/);
      assert.equal(error.raw, raw);
      assert.ok(error.cause instanceof Error);
      return true;
    });
  });
});

describe('Invoker.execute() and the result store', () => {
  const setup = (storeNone = false) => {
    const { invoker, store } = memoryInvoker({ storeNone });
    const echo = queueCommand(invoker)(function echo(value: unknown) {
      return value;
    });
    const call = (value: unknown) => new QueueCommand(invoker.registry.get(echo.commandName)!, [value]);
    return { invoker, store, call };
  };

  test('runs the call, stores its result under the task id and returns it', async () => {
    const { invoker, store, call } = setup();
    const command = call(new Map([['beans', 100n]]));
    assert.deepEqual(await invoker.execute(command), new Map([['beans', 100n]]));
    assert.deepEqual(await new AsyncData(store, command.taskId).get(), new Map([['beans', 100n]]));
  });

  test('undefined and null results are not stored unless storeNone', async () => {
    const { invoker, store, call } = setup(false);
    for (const value of [undefined, null]) {
      const command = call(value);
      await invoker.execute(command);
      assert.equal(await store.peek(command.taskId), EmptyData);
    }
  });

  test('with storeNone, undefined and null results are stored', async () => {
    const { invoker, store, call } = setup(true);
    for (const value of [undefined, null]) {
      const command = call(value);
      await invoker.execute(command);
      assert.notEqual(await store.peek(command.taskId), EmptyData);
      assert.equal(await new AsyncData(store, command.taskId).get(), value);
    }
  });

  test('falsy results other than undefined and null (0, "", false) are stored', async () => {
    const { invoker, store, call } = setup(false);
    for (const value of [0, '', false]) {
      const command = call(value);
      await invoker.execute(command);
      assert.notEqual(await store.peek(command.taskId), EmptyData, JSON.stringify(value));
    }
  });

  test('periodic results are not stored', async () => {
    const { invoker, store } = memoryInvoker({ storeNone: true });
    periodicCommand(invoker, crontab())(function report() {
      return 'report done';
    });
    const command = new PeriodicQueueCommand(invoker.registry.commands()[0]!, [], { taskId: 'periodic-1' });
    assert.equal(await invoker.execute(command), 'report done');
    assert.equal(await store.peek('periodic-1'), EmptyData);
    await invoker.storeError(command, new Error('nope'));
    assert.equal(await store.peek('periodic-1'), EmptyData);
  });

  test('a function that throws rejects execute() with its error and stores nothing', async () => {
    const { invoker, store } = memoryInvoker();
    const fail = queueCommand(invoker)(function fail() {
      throw new TypeError('bad bean');
    });
    const command = new QueueCommand(invoker.registry.get(fail.commandName)!, []);
    await assert.rejects(invoker.execute(command), TypeError);
    assert.equal(await store.peek(command.taskId), EmptyData);
  });

  test('storeError() makes get() reject with TaskException carrying the remote name and message', async () => {
    const { invoker, store } = memoryInvoker();
    const fail = queueCommand(invoker)(function fail() {});
    const command = new QueueCommand(invoker.registry.get(fail.commandName)!, []);
    await invoker.storeError(command, new TypeError('bad bean'));
    const res = new AsyncData(store, command.taskId);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(res.get(), (error: unknown) => {
        assert.ok(error instanceof TaskException);
        assert.equal(error.message, 'bad bean');
        assert.equal(error.remoteName, 'TypeError');
        assert.match(error.remoteStack ?? '', /TypeError: bad bean/);
        return true;
      });
    }
  });

  test('a result that cannot be sent is stored as the call failing with QueueWriteException', async () => {
    const { invoker, store, call } = setup();
    const command = call(() => 'a function');
    await invoker.execute(command);
    await assert.rejects(new AsyncData(store, command.taskId).get(), (error: unknown) => error instanceof TaskException && error.remoteName === 'QueueWriteException');
  });

  test('a store that fails to write makes execute() reject with DataStorePutException keeping the cause', async () => {
    const failure = new Error('store is full');
    const store = new (class extends MemoryDataStore {
      override async put(): Promise<void> {
        throw failure;
      }
    })('full');
    const invoker = new Invoker(new MemoryQueue('q'), { resultStore: store, registry: new CommandRegistry() });
    const one = queueCommand(invoker)(function one() {
      return 1;
    });
    await assert.rejects(invoker.execute(new QueueCommand(invoker.registry.get(one.commandName)!, [])), (error: unknown) => error instanceof DataStorePutException && error.cause === failure);
  });
});

describe('Invoker.flush()', () => {
  test('removes every waiting message', async () => {
    const { invoker, queue } = memoryInvoker();
    const noop = queueCommand(invoker)(function noop() {});
    await noop();
    await noop();
    await invoker.flush();
    assert.equal(await queue.length(), 0);
  });
});
