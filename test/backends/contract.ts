/**
 * The backend contract suite: one function that runs the same
 * specification against any backend. A new backend proves itself by
 * passing it (see docs/backends.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CommandRegistry, Invoker, queueCommand } from 'huey';
import { BaseDataStore, BaseQueue, EmptyData } from 'huey/backends/base';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { controlsContract } from './contract-controls.js';
import { contractView, type ContractQueue, type ContractStore } from './contract-view.js';

/** Opens backends on one shared storage; each call of `queue` is another client, as another process would be. */
export interface BackendHarness {
  /** A queue client; two calls with the same name reach the same queue. */
  queue(name: string): BaseQueue | Promise<BaseQueue>;
  /** A result store client; two calls with the same name reach the same store. */
  store(name: string): BaseDataStore | Promise<BaseDataStore>;
  /** Removes everything the suite created. */
  cleanup?(): Promise<void>;
}

export interface BackendFactory {
  /** Shown in the test names. */
  name: string;
  /** A fresh, empty storage for one suite run. */
  open(): Promise<BackendHarness>;
  /** When set, the reason the suite is skipped (e.g. no Redis). */
  skip?: string | undefined;
  /** Run the package's generic controls on the control store even where the backend keeps its own (see `contract-view.ts`). */
  genericControls?: boolean;
}

/** A store of no backend's: `finish()` cannot write it. */
class ForeignStore extends BaseDataStore {
  puts = 0;
  async put(): Promise<void> {
    this.puts++;
  }
  async get(): Promise<typeof EmptyData> {
    return EmptyData;
  }
  async peek(): Promise<typeof EmptyData> {
    return EmptyData;
  }
  async putIfEmpty(): Promise<boolean> {
    this.puts++;
    return true;
  }
  async keys(): Promise<string[]> {
    return [];
  }
  async flush(): Promise<void> {}
}

/** A store in front of another whose first `failures` puts fail as a full disk does; a queue cannot `finish()` into it. */
class FailingPuts extends BaseDataStore {
  readonly #inner: BaseDataStore;
  failures: number;
  puts = 0;
  constructor(inner: BaseDataStore, failures: number) {
    super(inner.name);
    this.#inner = inner;
    this.failures = failures;
    this.wait = (inner as ContractStore).wait?.bind(inner);
  }
  async put(key: string, value: string): Promise<void> {
    this.puts++;
    if (this.failures-- > 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    await this.#inner.put(key, value);
  }
  get(key: string): Promise<string | typeof EmptyData> {
    return this.#inner.get(key);
  }
  peek(key: string): Promise<string | typeof EmptyData> {
    return this.#inner.peek(key);
  }
  putIfEmpty(key: string, value: string, ttlMs?: number): Promise<boolean> {
    return this.#inner.putIfEmpty(key, value, ttlMs);
  }
  keys(prefix: string): Promise<string[]> {
    return this.#inner.keys(prefix);
  }
  // as the store in front: only the optional members it has
  wait: ContractStore['wait'];
  flush(): Promise<void> {
    return this.#inner.flush();
  }
}

let counter = 0;
/** A name of its own for each test, so tests never see each other's messages. */
const fresh = (what: string): string => `${what}-${process.pid}-${++counter}`;

export function backendContract(factory: BackendFactory): void {
  describe(`${factory.name} backend contract`, { skip: factory.skip ?? false }, () => {
    let harness: BackendHarness;
    const opened: (BaseQueue | BaseDataStore)[] = [];
    const queue = async (name: string): Promise<ContractQueue> => {
      const q = await harness.queue(name);
      opened.push(q);
      return contractView(q, factory.genericControls);
    };
    const store = async (name: string): Promise<ContractStore> => {
      const s = await harness.store(name);
      opened.push(s);
      return s;
    };
    before(async () => {
      harness = await factory.open();
    });
    after(async () => {
      for (const backend of opened) await backend.close?.();
      await harness.cleanup?.();
    });

    test('read() of an empty queue answers null without throwing', async () => {
      const q = await queue(fresh('empty'));
      assert.equal(await q.read(0), null);
      assert.equal(await q.length(), 0);
    });

    test('read() returns messages first in, first out, and length() counts the waiting ones', async () => {
      const q = await queue(fresh('fifo'));
      for (const n of [1, 2, 3]) await q.write(JSON.stringify({ id: `m${n}`, n }));
      assert.equal(await q.length(), 3);
      assert.equal(await q.read(0), '{"id":"m1","n":1}');
      assert.equal(await q.length(), 2);
      assert.equal(await q.read(0), '{"id":"m2","n":2}');
      assert.equal(await q.read(0), '{"id":"m3","n":3}');
      assert.equal(await q.read(0), null);
    });

    test('a message keeps every character: unicode, quotes, newlines', async () => {
      const q = await queue(fresh('chars'));
      const data = JSON.stringify({ id: 'x', text: 'naïve "quoted" \n line ☃ \u0000' });
      await q.write(data);
      assert.equal(await q.read(0), data);
    });

    test('flush() removes every waiting message', async () => {
      const q = await queue(fresh('flush'));
      await q.write('{"id":"a"}');
      await q.write('{"id":"b"}');
      await q.flush();
      assert.equal(await q.length(), 0);
      assert.equal(await q.read(0), null);
    });

    test('two clients of one queue never read the same message', async () => {
      const name = fresh('shared');
      const [a, b] = [await queue(name), await queue(name)];
      for (let n = 0; n < 20; n++) await a.write(JSON.stringify({ id: `m${n}` }));
      const seen: string[] = [];
      const drain = async (q: BaseQueue): Promise<void> => {
        for (let data = await q.read(0); data !== null; data = await q.read(0)) seen.push(data);
      };
      await Promise.all([drain(a), drain(b)]);
      assert.equal(seen.length, 20);
      assert.equal(new Set(seen).size, 20);
    });

    test('a blocking read() waits for a write and returns it', async (t) => {
      const q = await queue(fresh('wake'));
      if (!q.blocking) return t.skip('this queue does not block');
      const reading = q.read(5000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const writer = await queue(q.name);
      await writer.write('{"id":"late"}');
      assert.equal(await reading, '{"id":"late"}');
    });

    test('a blocking read() of an empty queue answers null once its timeout passes', async (t) => {
      const q = await queue(fresh('timeout'));
      if (!q.blocking) return t.skip('this queue does not block');
      const started = Date.now();
      assert.equal(await q.read(200), null);
      assert.ok(Date.now() - started >= 150, 'returned before the timeout');
    });

    test('ack() forgets a message read; it is not read again', async (t) => {
      const q = await queue(fresh('ack'));
      if (!q.ack) return t.skip('no ack');
      await q.write('{"id":"a"}');
      const data = await q.read(0);
      assert.equal(data, '{"id":"a"}');
      await q.ack(data!);
      assert.equal(await q.read(0), null);
      assert.equal(await q.length(), 0);
      if (q.recover) assert.equal(await q.recover(), 0);
    });

    test('due() returns scheduled messages whose eta has passed, earliest first, each once', async (t) => {
      const q = await queue(fresh('schedule'));
      if (!q.schedule || !q.due || !q.nextEta) return t.skip('no schedule');
      const now = Date.now();
      await q.schedule('{"id":"late"}', new Date(now + 60_000));
      await q.schedule('{"id":"second"}', new Date(now - 1000));
      await q.schedule('{"id":"first"}', new Date(now - 2000));
      assert.equal((await q.nextEta())?.getTime(), now - 2000);
      assert.deepEqual(await q.due(new Date(now), 10), ['{"id":"first"}', '{"id":"second"}']);
      assert.deepEqual(await q.due(new Date(now), 10), []);
      assert.equal((await q.nextEta())?.getTime(), now + 60_000);
      assert.equal(await q.length(), 0, 'scheduled messages are not counted as waiting');
      assert.deepEqual(await q.due(new Date(now + 60_000), 10), ['{"id":"late"}']);
      assert.equal(await q.nextEta(), null);
    });

    test('due() takes at most `limit` messages', async (t) => {
      const q = await queue(fresh('limit'));
      if (!q.schedule || !q.due) return t.skip('no schedule');
      const past = new Date(Date.now() - 1000);
      for (let n = 0; n < 5; n++) await q.schedule(JSON.stringify({ id: `m${n}` }), past);
      assert.equal((await q.due(new Date(), 2)).length, 2);
      assert.equal((await q.due(new Date(), 10)).length, 3);
    });

    test('due() asked by three clients at once hands each message out exactly once', async (t) => {
      const name = fresh('due-once');
      const clients = [await queue(name), await queue(name), await queue(name)];
      if (!clients[0]!.schedule || !clients[0]!.due) return t.skip('no schedule');
      const past = new Date(Date.now() - 1000);
      for (let n = 0; n < 30; n++) await clients[0]!.schedule(JSON.stringify({ id: `m${n}` }), past);
      const taken = (await Promise.all(clients.map(async (c) => [...(await c.due!(new Date(), 7)), ...(await c.due!(new Date(), 100))]))).flat();
      assert.equal(taken.length, 30);
      assert.equal(new Set(taken).size, 30);
    });

    test('deadLetter() keeps the message with its reason and time, readable with deadLetters()', async (t) => {
      const q = await queue(fresh('dead'));
      if (!q.deadLetter || !q.deadLetters) return t.skip('no dead letters');
      await q.write('not json at all');
      const data = await q.read(0);
      const before = Date.now();
      await q.deadLetter(data!, 'QueueReadException: Malformed message');
      const letters = await q.deadLetters();
      assert.equal(letters.length, 1);
      assert.equal(letters[0]!.data, 'not json at all');
      assert.equal(letters[0]!.reason, 'QueueReadException: Malformed message');
      assert.ok(letters[0]!.at instanceof Date && letters[0]!.at.getTime() >= before - 1000);
      assert.equal(await q.length(), 0);
    });

    test('lease() goes to exactly one of three clients asking at once, and again after it expires', async (t) => {
      const name = fresh('lease');
      const clients = [await queue(name), await queue(name), await queue(name)];
      if (!clients[0]!.lease) return t.skip('no lease');
      const key = `periodic:${fresh('minute')}`;
      const granted = await Promise.all(clients.map((c) => c.lease!(key, 300)));
      assert.equal(granted.filter(Boolean).length, 1);
      assert.equal(await clients[0]!.lease!(key, 300), false);
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(await clients[1]!.lease!(key, 300), true);
    });

    test('traceRead() returns the lines traceAppend() appended, oldest first, and only a task\'s lines when asked', async (t) => {
      const q = await queue(fresh('trace'));
      if (!q.traceAppend || !q.traceRead) return t.skip('no trace');
      const line = (taskId: string, event: string): string => JSON.stringify({ time: '2030-01-01T12:00:00.000Z', pid: 1, host: 'h', event, payload: { taskId, command: 'c.f' } });
      await q.traceAppend(line('a', 'enqueued'));
      await q.traceAppend(line('b', 'enqueued'));
      await q.traceAppend(line('a', 'received'));
      assert.deepEqual(await q.traceRead(), [line('a', 'enqueued'), line('b', 'enqueued'), line('a', 'received')]);
      assert.deepEqual((await q.traceRead('a')).map((l) => JSON.parse(l).event), ['enqueued', 'received']);
      assert.deepEqual(await q.traceRead('nobody'), []);
      const other = await queue(q.name);
      assert.equal((await other.traceRead!()).length, 3, 'another client reads the same trace');
    });

    test('waiting() shows the next messages head first without taking them', async (t) => {
      const q = await queue(fresh('waiting'));
      if (!q.waiting) return t.skip('no waiting()');
      for (const n of [1, 2, 3]) await q.write(`{"id":"m${n}"}`);
      assert.deepEqual(await q.waiting(2), ['{"id":"m1"}', '{"id":"m2"}']);
      assert.deepEqual(await q.waiting(Infinity), ['{"id":"m1"}', '{"id":"m2"}', '{"id":"m3"}']);
      assert.equal(await q.length(), 3);
      assert.equal(await q.read(0), '{"id":"m1"}');
    });

    test('scheduled() lists the schedule earliest first, with etas, without taking', async (t) => {
      const q = await queue(fresh('scheduled'));
      if (!q.schedule || !q.scheduled || !q.nextEta) return t.skip('no scheduled()');
      const now = Date.now();
      await q.schedule('{"id":"late"}', new Date(now + 60_000));
      await q.schedule('{"id":"soon"}', new Date(now + 1000));
      assert.deepEqual(await q.scheduled(Infinity), [
        { data: '{"id":"soon"}', eta: new Date(now + 1000) },
        { data: '{"id":"late"}', eta: new Date(now + 60_000) },
      ]);
      assert.equal((await q.scheduled(1)).length, 1);
      assert.equal((await q.nextEta())?.getTime(), now + 1000);
    });

    test('claims() lists a message read and not acknowledged, under a consumer that consumers() knows alive', async (t) => {
      const q = await queue(fresh('claims'));
      if (!q.claims || !q.consumers || !q.ack) return t.skip('no claims()');
      await q.write('{"id":"c1"}');
      const data = await q.read(0);
      const claims = await q.claims();
      assert.deepEqual(claims.map((c) => c.data), ['{"id":"c1"}']);
      if (claims[0]!.since !== null) assert.ok(Math.abs(Date.now() - claims[0]!.since.getTime()) < 10_000);
      const consumer = (await q.consumers()).find((c) => c.id === claims[0]!.consumer);
      assert.equal(consumer?.alive, true);
      await q.ack(data!);
      assert.deepEqual(await q.claims(), []);
    });

    test('readMany() takes up to `count` messages oldest first, and an empty queue answers []', async (t) => {
      const q = await queue(fresh('many'));
      if (!q.readMany) return t.skip('no readMany()');
      assert.deepEqual(await q.readMany(3, 0), []);
      for (let n = 1; n <= 5; n++) await q.write(`{"id":"m${n}"}`);
      assert.deepEqual(await q.readMany(3, 0), ['{"id":"m1"}', '{"id":"m2"}', '{"id":"m3"}']);
      assert.equal(await q.length(), 2);
      assert.deepEqual(await q.readMany(3, 0), ['{"id":"m4"}', '{"id":"m5"}']);
      assert.deepEqual(await q.readMany(3, 0), []);
    });

    test('readMany() by two clients at once never hands out the same message', async (t) => {
      const name = fresh('many-shared');
      const [a, b] = [await queue(name), await queue(name)];
      if (!a.readMany || !b.readMany) return t.skip('no readMany()');
      for (let n = 0; n < 40; n++) await a.write(`{"id":"m${n}"}`);
      const seen: string[] = [];
      const drain = async (q: ContractQueue): Promise<void> => {
        for (let batch = await q.readMany!(7, 0); batch.length > 0; batch = await q.readMany!(7, 0)) seen.push(...batch);
      };
      await Promise.all([drain(a), drain(b)]);
      assert.equal(seen.length, 40);
      assert.equal(new Set(seen).size, 40);
    });

    test('a blocking readMany() waits for the first write and returns it without waiting for more', async (t) => {
      const q = await queue(fresh('many-wake'));
      if (!q.readMany || !q.blocking) return t.skip('this queue does not block');
      const reading = q.readMany(10, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const writer = await queue(q.name);
      const started = Date.now();
      await writer.write('{"id":"late"}');
      assert.deepEqual(await reading, ['{"id":"late"}']);
      assert.ok(Date.now() - started < 10_000, 'waited for more than the first message');
    });

    test('messages taken by readMany() stay claimed until ack()', async (t) => {
      const q = await queue(fresh('many-claims'));
      if (!q.readMany || !q.ack || !q.claims) return t.skip('no readMany() with claims()');
      await q.write('{"id":"a"}');
      await q.write('{"id":"b"}');
      const taken = await q.readMany(2, 0);
      assert.deepEqual((await q.claims()).map((c) => c.data).sort(), ['{"id":"a"}', '{"id":"b"}']);
      for (const data of taken) await q.ack(data);
      assert.deepEqual(await q.claims(), []);
    });

    test('finish() stores the result, readable by another client, and acknowledges the message', async (t) => {
      const q = await queue(fresh('finish'));
      if (!q.finish) return t.skip('no finish()');
      const s = await store(q.name);
      await q.write('{"id":"f1"}');
      const data = (await q.read(0))!;
      assert.equal(await q.finish(data, s, 'f1', '{"ok":true,"value":42}'), true);
      const reader = await store(q.name);
      assert.equal(await reader.get('f1'), '{"ok":true,"value":42}');
      assert.equal(await reader.get('f1'), EmptyData);
      if (q.claims) assert.deepEqual(await q.claims(), []);
      if (q.recover) assert.equal(await q.recover(), 0);
      assert.equal(await q.read(0), null);
    });

    test('finish() wakes a wait() of another client of the store', async (t) => {
      const q = await queue(fresh('finish-wake'));
      const s = await store(q.name);
      if (!q.finish || !s.wait) return t.skip('no finish() or the store cannot push');
      const waiter = await store(q.name);
      const waiting = waiter.wait!('w1', 30_000);
      await q.write('{"id":"w1"}');
      assert.equal(await q.finish((await q.read(0))!, s, 'w1', '"done"'), true);
      assert.equal(await waiting, true);
      assert.equal(await waiter.get('w1'), '"done"');
    });

    test('finish() with a store it cannot write answers false and leaves the message claimed', async (t) => {
      const q = await queue(fresh('finish-foreign'));
      if (!q.finish || !q.claims) return t.skip('no finish() with claims()');
      const foreign = new ForeignStore('elsewhere');
      await q.write('{"id":"x1"}');
      const data = (await q.read(0))!;
      assert.equal(await q.finish(data, foreign, 'x1', '"value"'), false);
      assert.equal(foreign.puts, 0);
      assert.deepEqual((await q.claims()).map((c) => c.data), [data]);
      await q.ack!(data);
    });

    test('finishAndRead() stores, acknowledges and takes up to `count` next messages oldest first, in one step; null with a store it cannot write', async (t) => {
      const q = await queue(fresh('finish-read'));
      if (!q.finishAndRead) return t.skip('no finishAndRead(): the consumer finishes, then reads');
      const s = await store(q.name);
      for (const id of ['a', 'b', 'c']) await q.write(`{"id":"${id}"}`);
      const a = (await q.read(0))!;
      assert.equal(await q.finishAndRead(a, new ForeignStore('elsewhere'), 'a', '"A"', 1), null);
      assert.deepEqual(await q.finishAndRead(a, s, 'a', '"A"', 1), ['{"id":"b"}']);
      assert.deepEqual(await q.finishAndRead('{"id":"b"}', s, 'b', '"B"', 2), ['{"id":"c"}']);
      assert.deepEqual(await q.finishAndRead('{"id":"c"}', s, 'c', '"C"', 1), []);
      const reader = await store(q.name);
      assert.deepEqual([await reader.get('a'), await reader.get('b'), await reader.get('c')], ['"A"', '"B"', '"C"']);
      if (q.claims) assert.deepEqual(await q.claims(), []);
    });

    describe('a message\'s phases, through a consumer', () => {
      class Fast extends BaseConfiguration {
        static override MAX_DELAY = 0.2;
        static override SHUTDOWN_TIMEOUT = 2;
      }
      /** Runs a consumer on `q` for the length of `work`. */
      const consuming = async (invoker: Invoker, work: () => Promise<void>): Promise<void> => {
        const consumer = new Consumer(invoker, Fast, { logSink: () => {}, readTimeoutMs: 200 });
        await consumer.start();
        try {
          await work();
        } finally {
          await consumer.stop();
        }
      };

      test('a call whose result store fails twice runs once; its result arrives and its message is acknowledged', async () => {
        const q = await queue(fresh('phases-store'));
        const flaky = new FailingPuts(await store(q.name), 2);
        const invoker = new Invoker(q, { registry: new CommandRegistry(), resultStore: flaky });
        let runs = 0;
        const charge = queueCommand(invoker, { name: 'billing.charge', retries: 3 })((cents: number) => `charged ${cents} (run ${(runs += 1)})`);
        await consuming(invoker, async () => {
          assert.equal(await (await charge(500)).get({ blocking: true, timeout: 20 }), 'charged 500 (run 1)');
        });
        assert.equal(flaky.puts, 3);
        if (q.claims) assert.deepEqual(await q.claims(), []);
        assert.equal(await q.length(), 0);
      });

      test('a message whose id no store could keep ("../x") is dead-lettered unrun, and nothing stays claimed', async (t) => {
        const q = await queue(fresh('phases-id'));
        if (!q.deadLetters) return t.skip('no dead letters');
        const invoker = new Invoker(q, { registry: new CommandRegistry(), resultStore: await store(q.name) });
        let runs = 0;
        queueCommand(invoker, { name: 'jobs.touch' })(() => (runs += 1));
        await q.write(JSON.stringify({ v: 1, id: '../x', command: 'jobs.touch', args: [], eta: null, retries: 0, retryDelay: 0, enqueuedAt: new Date().toISOString() }));
        await consuming(invoker, async () => {
          for (let i = 0; i < 200 && (await q.deadLetters!()).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
        });
        assert.equal(runs, 0);
        assert.deepEqual((await q.deadLetters()).map((letter) => letter.reason), ['QueueReadException: Malformed message: "id" may hold only letters, digits and _ . : -']);
        if (q.claims) assert.deepEqual(await q.claims(), []);
        assert.equal(await q.length(), 0);
      });

      test('a message delivered again after its result was stored is acknowledged without running again', async (t) => {
        const q = await queue(fresh('phases-again'));
        const s = await store(q.name);
        if (!s.peek || !q.ack) return t.skip('no peek() or no ack()');
        const invoker = new Invoker(q, { registry: new CommandRegistry(), resultStore: new FailingPuts(s, 0) }); // put, then ack: two steps
        let runs = 0;
        const once = queueCommand(invoker, { name: 'jobs.once' })(() => `run ${(runs += 1)}`);
        const res = await once();
        const data = (await q.read(0))!;
        await s.put(res.taskId, '{"v":1,"ok":true,"value":"run 0"}');
        await q.ack(data);
        await q.write(data); // as recovery would give it back
        await consuming(invoker, async () => {
          for (let i = 0; i < 200 && (await q.length()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
        });
        assert.equal(runs, 0);
        assert.equal(await res.get(), 'run 0');
        if (q.claims) assert.deepEqual(await q.claims(), []);
      });
    });

    test('requeueDeadLetter() moves a dead letter back to the queue once; purgeDeadLetters() empties them and counts', async (t) => {
      const q = await queue(fresh('requeue'));
      if (!q.deadLetter || !q.deadLetters || !q.requeueDeadLetter || !q.purgeDeadLetters) return t.skip('no requeue');
      for (const id of ['d1', 'd2']) {
        await q.write(`{"id":"${id}"}`);
        await q.deadLetter((await q.read(0))!, 'QueueException: c.ghost not found in CommandRegistry');
      }
      const [first] = await q.deadLetters();
      assert.equal(await q.requeueDeadLetter(first!), true);
      assert.equal(await q.requeueDeadLetter(first!), false);
      assert.equal(await q.read(0), '{"id":"d1"}');
      assert.deepEqual((await q.deadLetters()).map((l) => l.data), ['{"id":"d2"}']);
      assert.equal(await q.purgeDeadLetters(), 1);
      assert.deepEqual(await q.deadLetters(), []);
    });

    test('a data store count() counts the values waiting', async (t) => {
      const s = await store(fresh('count'));
      if (!s.count) return t.skip('no count()');
      assert.equal(await s.count(), 0);
      await s.put('a', '1');
      await s.put('b', '2');
      assert.equal(await s.count(), 2);
      await s.get('a');
      assert.equal(await s.count(), 1);
    });

    test('a data store get() returns the value once, then EmptyData', async () => {
      const s = await store(fresh('results'));
      assert.equal(await s.get('missing'), EmptyData);
      await s.put('k', '{"v":1}');
      assert.equal(await s.get('k'), '{"v":1}');
      assert.equal(await s.get('k'), EmptyData);
    });

    test('a data store peek() reads without deleting, put() replaces, flush() empties', async () => {
      const s = await store(fresh('peek'));
      await s.put('k', 'one');
      await s.put('k', 'two');
      assert.equal(await s.peek('k'), 'two');
      assert.equal(await s.peek('k'), 'two');
      await s.flush();
      assert.equal(await s.peek('k'), EmptyData);
    });

    test('a data store wait() is woken by a put() and times out without one', async (t) => {
      const s = await store(fresh('wait'));
      if (!s.wait) return t.skip('the store cannot push');
      assert.equal(await s.wait('never', 100), false);
      const waiting = s.wait('soon', 5000);
      const started = Date.now();
      const other = await store(s.name);
      setTimeout(() => void other.put('soon', 'here'), 50);
      assert.equal(await waiting, true);
      assert.ok(Date.now() - started < 2000, 'woken late');
      assert.equal(await s.get('soon'), 'here');
    });

    test('a data store putIfEmpty() stores for exactly one of three clients at once, and not over a value', async () => {
      const name = fresh('if-empty');
      const clients = [await store(name), await store(name), await store(name)];
      const won = await Promise.all(clients.map((s, i) => s.putIfEmpty('lock:x', `token-${i}`)));
      assert.equal(won.filter(Boolean).length, 1);
      assert.equal(await clients[0]!.peek('lock:x'), `token-${won.indexOf(true)}`);
      assert.equal(await clients[1]!.putIfEmpty('lock:x', 'late'), false);
    });

    test('a data store key given a time to live reads as empty once it passes, for peek, get, keys and putIfEmpty', async () => {
      const s = await store(fresh('ttl'));
      assert.equal(await s.putIfEmpty('lease:a', 'one', 300), true);
      await s.put('lease:b', 'two', 300);
      await s.put('kept', 'three');
      assert.deepEqual((await s.keys('lease:')).sort(), ['lease:a', 'lease:b']);
      assert.equal(await s.putIfEmpty('lease:a', 'again', 300), false);
      await new Promise((resolve) => setTimeout(resolve, 450));
      assert.equal(await s.peek('lease:a'), EmptyData);
      assert.equal(await s.get('lease:b'), EmptyData);
      assert.deepEqual(await s.keys('lease:'), []);
      assert.equal(await s.putIfEmpty('lease:a', 'again', 300), true);
      assert.equal(await s.peek('kept'), 'three');
    });

    test('a data store keys() lists the keys holding a value that begin with the prefix, seen by another client', async () => {
      const s = await store(fresh('keys'));
      await s.put('dead:1', 'a');
      await s.put('dead:2', 'b');
      await s.put('lock:x', 'c');
      const other = await store(s.name);
      assert.deepEqual((await other.keys('dead:')).sort(), ['dead:1', 'dead:2']);
      await other.get('dead:1');
      assert.deepEqual(await s.keys('dead:'), ['dead:2']);
      assert.equal((await s.keys('')).length, 2);
    });

    // the controls of calls (priority, revocations, locks), after the rest so that the numbering above stays put
    controlsContract(queue, fresh);
  });
}
