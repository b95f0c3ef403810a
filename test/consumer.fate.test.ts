/**
 * A message's fate has one owner: the consumer runs a call, then stores its
 * outcome, then acknowledges, and a failure of a later phase never runs
 * the call again; a message that cannot run is dead-lettered unrun.
 */
import assert from 'node:assert/strict';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BaseConfiguration, Consumer, FileDataStore, FileQueue, Invoker, MemoryDataStore, MemoryQueue, queueCommand, CommandRegistry, type BaseQueue } from 'huey';
import type { ConsumerOptions } from 'huey/bin/consumer';
import { QueueWriteException } from 'huey/exceptions';
import { eventually, scratchDir } from './helpers.js';
import { contractView } from './backends/contract-view.js';

/** A memory result store whose first `failures` puts fail as a full disk does. */
class FlakyStore extends MemoryDataStore {
  failures: number;
  puts = 0;
  constructor(failures: number) {
    super('results');
    this.failures = failures;
  }
  override async put(key: string, value: string): Promise<void> {
    this.puts += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    await super.put(key, value);
  }
}

const quiet = { logSink: () => {} };
const lines: string[] = [];
const logged = { logSink: (line: string) => void lines.push(line) };

class Fast extends BaseConfiguration {
  static override MAX_DELAY = 0.2;
  static override SHUTDOWN_TIMEOUT = 1;
}

const consumers: Consumer[] = [];
after(async () => {
  for (const consumer of consumers) await consumer.stop();
});

async function started(invoker: Invoker, config: typeof BaseConfiguration = Fast, options: ConsumerOptions = quiet): Promise<Consumer> {
  const consumer = new Consumer(invoker, config, options);
  consumers.push(consumer);
  await consumer.start();
  return consumer;
}

describe('a call that returned is never run again because storing its result failed', () => {
  test('with retries 3 and a store that fails twice (ENOSPC), the call runs once and get() returns its result', async () => {
    const store = new FlakyStore(2);
    const queue = new MemoryQueue('charges');
    const invoker = new Invoker(queue, { registry: new CommandRegistry(), resultStore: store });
    let runs = 0;
    const charge = queueCommand(invoker, { retries: 3, name: 'billing.charge' })(function charge(cents: number) {
      runs += 1;
      return `charged ${cents}`;
    });
    const consumer = await started(invoker);
    const res = await charge(500);
    assert.equal(await res.get({ blocking: true, timeout: 10 }), 'charged 500');
    assert.equal(runs, 1, 'the charge ran more than once');
    assert.equal(store.puts, 3);
    assert.equal(await queue.length(), 0);
    await consumer.stop();
    assert.deepEqual(await queue.claims!(), [], 'the message is acknowledged');
  });

  test('without retries, a success whose first store failed is stored as a success, not as DataStorePutException', async () => {
    const store = new FlakyStore(1);
    const invoker = new Invoker(new MemoryQueue('once'), { registry: new CommandRegistry(), resultStore: store });
    const add = queueCommand(invoker, { name: 'math.add' })((a: number, b: number) => a + b);
    await started(invoker);
    assert.equal(await (await add(2, 3)).get({ blocking: true, timeout: 10 }), 5);
  });

  test('a store that never recovers: at shutdown the message is dead-lettered with its result in the reason, so it does not run again', async () => {
    const store = new FlakyStore(Infinity);
    const queue = new MemoryQueue('stuck');
    const invoker = new Invoker(queue, { registry: new CommandRegistry(), resultStore: store });
    let runs = 0;
    const work = queueCommand(invoker, { name: 'jobs.work', retries: 2 })(() => (runs += 1));
    const consumer = await started(invoker);
    await work();
    await eventually(() => store.puts >= 2, 'a few tries to store');
    await consumer.stop();
    assert.equal(runs, 1);
    const [letter] = await contractView(queue).deadLetters!();
    assert.match(letter!.reason, /^DataStorePutException: the call ran, but its result could not be stored \(ENOSPC: no space left on device, write\); result: \{"v":1,"ok":true,"value":1\}$/);
    assert.deepEqual(await queue.claims!(), []);
    assert.equal(await queue.length(), 0);
  });

  test('a message delivered again after its result was stored (put, then the ack failed) is acknowledged without running', async () => {
    const queue = new MemoryQueue('again');
    const store = new MemoryDataStore('results'); // a store the queue cannot finish() into: put, then ack
    const invoker = new Invoker(queue, { registry: new CommandRegistry(), resultStore: store });
    let runs = 0;
    const once = queueCommand(invoker, { name: 'jobs.once' })(() => `run ${(runs += 1)}`);
    Object.defineProperty(queue, 'finish', { value: undefined });
    const res = await once();
    // a first consumer stored the result and died before acknowledging: the message comes back as it was
    const data = (await queue.read())!;
    await store.put(res.taskId, '{"v":1,"ok":true,"value":"run 1"}');
    await queue.ack(data);
    await queue.write(data);
    lines.length = 0;
    await started(invoker, Fast, logged);
    await eventually(async () => (await queue.length()) === 0 && (await queue.claims!()).length === 0, 'the message to be acknowledged');
    assert.equal(runs, 0, 'the call ran again');
    assert.equal(await res.get(), 'run 1');
    assert.ok(lines.some((line) => line.includes(`jobs.once ${res.taskId} already ran (its result is stored): acknowledged without running it again`)), lines.join(''));
  });
});

describe('a message that cannot run is dead-lettered at once, unrun, and never claimed again', () => {
  test('ids the result store would reject ("../x", "..", 200 characters) are dead-lettered before the call runs', async () => {
    const { path, remove } = await scratchDir();
    try {
      const queue = new FileQueue('ids', { path });
      const invoker = new Invoker(queue, { registry: new CommandRegistry(), resultStore: new FileDataStore('results', { path }) });
      let runs = 0;
      queueCommand(invoker, { name: 'jobs.touch' })(() => (runs += 1));
      const message = (id: string): string => JSON.stringify({ v: 1, id, command: 'jobs.touch', args: [], eta: null, retries: 0, retryDelay: 0, enqueuedAt: new Date().toISOString() });
      for (const id of ['../x', '..', 'x'.repeat(200)]) await queue.write(message(id));
      const consumer = await started(invoker);
      await eventually(async () => (await queue.deadLetters()).length === 3, 'three dead letters');
      await consumer.stop();
      assert.equal(runs, 0);
      const reasons = (await queue.deadLetters()).map((letter) => letter.reason);
      assert.deepEqual(reasons, [
        'QueueReadException: Malformed message: "id" may hold only letters, digits and _ . : -',
        'QueueReadException: Malformed message: "id" cannot be only dots',
        'QueueReadException: Malformed message: "id" must be at most 128 characters, got 200',
      ]);
      assert.deepEqual(await queue.claims(), []);
      assert.equal(await queue.length(), 0);
      await queue.close();
    } finally {
      await remove();
    }
  });

  test('a command name holding a newline or an escape sequence is dead-lettered, and the log shows it escaped', async () => {
    const queue = new MemoryQueue('names');
    const invoker = new Invoker(queue, { registry: new CommandRegistry() });
    await queue.write(JSON.stringify({ v: 1, id: 'forged', command: 'x.y\n2030-01-01T00:00:00.000Z INFO all good\u001b[2J', args: [], eta: null, retries: 0, retryDelay: 0, enqueuedAt: new Date().toISOString() }));
    lines.length = 0;
    const consumer = await started(invoker, Fast, logged);
    await eventually(async () => (await contractView(queue).deadLetters!()).length === 1, 'the dead letter');
    await consumer.stop();
    assert.equal((await contractView(queue).deadLetters!())[0]!.reason, 'QueueReadException: Malformed message: "command" must not hold control characters');
    assert.ok(lines.every((line) => !line.includes('\u001b') && line.split('\n').length === 2), lines.join(''));
  });
});

describe('the file result store', () => {
  test('makes its folder again when it was removed while the consumer ran: results keep arriving, nothing stays claimed', async () => {
    const { path, remove } = await scratchDir();
    try {
      const queue = new FileQueue('jobs', { path });
      const results = new FileDataStore('results', { path });
      const invoker = new Invoker(queue, { registry: new CommandRegistry(), resultStore: results });
      const double = queueCommand(invoker, { name: 'math.double' })((n: number) => n * 2);
      await started(invoker);
      assert.equal(await (await double(1)).get({ blocking: true, timeout: 10 }), 2);
      await rm(results.directory, { recursive: true });
      assert.equal(await (await double(2)).get({ blocking: true, timeout: 10 }), 4);
      assert.equal(await (await double(3)).get({ blocking: true, timeout: 10 }), 6);
      assert.deepEqual(await queue.claims(), []);
    } finally {
      await remove();
    }
  });
});

describe('logging never stops the consumer', () => {
  test('a log file that cannot be written (a full disk) falls back to stderr with one warning, and calls go on', async () => {
    const invoker = new Invoker(new MemoryQueue('full'), { registry: new CommandRegistry(), resultStore: new MemoryDataStore('r') });
    const add = queueCommand(invoker, { name: 'math.add' })((a: number, b: number) => a + b);
    class FullDisk extends Fast {
      static override LOGFILE = '/dev/full';
    }
    lines.length = 0;
    await started(invoker, FullDisk, logged);
    assert.equal(await (await add(1, 1)).get({ blocking: true, timeout: 10 }), 2);
    const warnings = lines.filter((line) => line.includes('cannot write the log file'));
    assert.equal(warnings.length, 1, lines.join(''));
    assert.match(warnings[0]!, /WARN  cannot write the log file \/dev\/full \(ENOSPC: no space left on device, write\): logging to stderr only from now on/);
  });

  test('the log file is readable by its owner only (0600), like the queue\'s files', async () => {
    const { path, remove } = await scratchDir();
    try {
      class ToFile extends Fast {
        static override LOGFILE = join(path, 'huey.log');
      }
      const consumer = await started(new Invoker(new MemoryQueue('modes'), { registry: new CommandRegistry() }), ToFile);
      await consumer.stop();
      assert.equal((await stat(join(path, 'huey.log'))).mode & 0o777, 0o600);
    } finally {
      await remove();
    }
  });
});

describe('bad arguments at enqueue', () => {
  test('arguments nested 20,000 deep are a QueueWriteException, not a RangeError, and nothing is enqueued', async () => {
    const queue: BaseQueue = new MemoryQueue('deep');
    const invoker = new Invoker(queue, { registry: new CommandRegistry() });
    const keep = queueCommand(invoker, { name: 'data.keep' })((value: unknown) => value);
    let deep: unknown = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    await assert.rejects(keep(deep), (error: unknown) => error instanceof QueueWriteException && /nested too deeply/.test(error.message));
    assert.equal(await queue.length(), 0);
  });
});
