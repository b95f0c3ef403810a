/**
 * The Redis backend against a real Redis at 127.0.0.1:6379: the shared
 * backend contract, then what only Redis does (key names, heartbeats and
 * recovery, prefetch, pub/sub wake-up, result TTL, options). A Redis test
 * because a fake Redis would test the fake: the Lua scripts, BLMOVE and
 * key expiry are the behaviour under test. Each run uses a key prefix of
 * its own and deletes only its keys. Skipped without Redis, failing
 * instead under HUEY_REQUIRE_REDIS=1.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { EmptyData } from 'huey/backends/base';
import { RedisBlockingQueue, RedisDataStore, RedisQueue } from 'huey/backends/redis';
import { ConfigurationError } from 'huey/exceptions';
import { Invoker } from 'huey/queue';
import { queueCommand } from 'huey/decorators';
import { CommandRegistry } from 'huey/registry';
import { REDIS, eventually, redisSkipReason, sleep } from '../helpers.js';
import { backendContract } from './contract.js';
import { deletePrefix, keysUnder, testPrefix } from './redis-helpers.js';

const skip = await redisSkipReason();

// RedisQueue twice: with its own atomic controls (scripts), and with the package's generic ones on its controlStore
for (const [Queue, genericControls] of [[RedisBlockingQueue, false], [RedisQueue, false], [RedisQueue, true]] as const) {
  backendContract({
    name: `redis (${Queue.name}${genericControls ? ', generic controls' : ''})`,
    skip,
    genericControls,
    async open() {
      const prefix = testPrefix();
      // each client is connected before the suite uses it, as another process already running would be:
      // on a busy machine a first connection can take longer than the contract's 300 ms lease
      return {
        queue: async (name) => {
          const queue = new Queue(name, { ...REDIS, prefix });
          await queue.length();
          return queue;
        },
        store: async (name) => {
          const store = new RedisDataStore(name, { ...REDIS, prefix });
          await store.peek('connected');
          return store;
        },
        cleanup: () => deletePrefix(prefix),
      };
    },
  });
}

describe('redis backend', { skip }, () => {
  const prefix = testPrefix();
  const opened: { close(): Promise<void> }[] = [];
  let admin: Redis;
  let counter = 0;
  const fresh = (what: string): string => `${what}${++counter}`;
  const queue = <Q extends RedisQueue>(make: () => Q): Q => {
    const q = make();
    opened.push(q);
    return q;
  };
  const blocking = (name: string, options: ConstructorParameters<typeof RedisBlockingQueue>[1] = {}): RedisBlockingQueue =>
    queue(() => new RedisBlockingQueue(name, { ...REDIS, prefix, ...options }));
  const store = (name: string, options: ConstructorParameters<typeof RedisDataStore>[1] = {}): RedisDataStore => {
    const s = new RedisDataStore(name, { ...REDIS, prefix, ...options });
    opened.push(s);
    return s;
  };

  before(() => {
    admin = new Redis({ ...REDIS, lazyConnect: true });
  });
  after(async () => {
    for (const backend of opened) await backend.close();
    await deletePrefix(prefix);
    admin.disconnect();
  });

  test('keys follow huey 0.2: the name keeps only a-z0-9, in a hash tag after the prefix', async () => {
    const q = blocking('Test-queue_1');
    assert.equal(q.key, `${prefix}{estqueue1}`);
    assert.equal(new RedisQueue('test-queue').key, 'huey.redis.{testqueue}');
    const s = store('test-queue');
    assert.equal(s.key, `${prefix}results.{testqueue}`);
    await q.write('{"id":"k"}');
    await q.schedule('{"id":"s"}', new Date(Date.now() + 60_000));
    await s.put('task-1', 'value');
    assert.deepEqual(await admin.lrange(q.key, 0, -1), ['{"id":"k"}']);
    assert.equal(await admin.zscore(`${q.key}.schedule`, '{"id":"s"}') !== null, true);
    assert.equal(await admin.get(`${prefix}results.{testqueue}.task-1`), 'value');
  });

  test('read() moves the message into the consumer processing list, ack() removes it, and a heartbeat key marks the consumer alive', async () => {
    const q = blocking(fresh('claim'));
    await q.write('{"id":"a"}');
    const data = await q.read(0);
    assert.equal(data, '{"id":"a"}');
    assert.deepEqual(await admin.lrange(`${q.key}.processing.${q.consumerId}`, 0, -1), ['{"id":"a"}']);
    const ttl = await admin.pttl(`${q.key}.heartbeat.${q.consumerId}`);
    assert.ok(ttl > 0 && ttl <= 15_000, `heartbeat TTL ${ttl}`);
    assert.equal(await admin.zscore(`${q.key}.consumers`, q.consumerId), '0');
    await q.ack(data!);
    assert.equal(await admin.exists(`${q.key}.processing.${q.consumerId}`), 0);
  });

  test('recover() returns the messages of a consumer whose heartbeat expired to the head of the queue, oldest first', async () => {
    const name = fresh('recover');
    const dying = blocking(name);
    for (const id of ['a', 'b', 'c']) await dying.write(`{"id":"${id}"}`);
    assert.equal(await dying.read(0), '{"id":"a"}');
    assert.equal(await dying.read(0), '{"id":"b"}');
    // a consumer that dies without a word: its heartbeat stops and its key expires
    await admin.del(`${dying.key}.heartbeat.${dying.consumerId}`);
    const other = blocking(name);
    assert.equal(await other.recover(), 2);
    assert.equal(await other.read(0), '{"id":"a"}');
    assert.equal(await other.read(0), '{"id":"b"}');
    assert.equal(await other.read(0), '{"id":"c"}');
    assert.equal(await other.recover(), 0);
  });

  test('recover() returns at once the messages of a consumer on this host whose process is gone, before its heartbeat expires', async () => {
    const name = fresh('gone');
    const q = blocking(name);
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    const ghost = `${hostname()}:${child.pid}:dead`;
    await admin.zadd(`${q.key}.consumers`, 0, ghost);
    await admin.set(`${q.key}.heartbeat.${ghost}`, ghost, 'PX', 60_000);
    await admin.lpush(`${q.key}.processing.${ghost}`, '{"id":"held"}');
    assert.equal(await q.recover(), 1);
    assert.equal(await q.read(0), '{"id":"held"}');
  });

  test('recover() leaves a live consumer alone', async () => {
    const name = fresh('alive');
    const a = blocking(name);
    await a.write('{"id":"x"}');
    await a.read(0);
    assert.equal(await blocking(name).recover(), 0);
    assert.equal(await admin.llen(`${a.key}.processing.${a.consumerId}`), 1);
  });

  test('close() interrupts a blocked read() at once and puts unacknowledged messages back', async () => {
    const name = fresh('close');
    const q = blocking(name);
    await q.write('{"id":"unacked"}');
    assert.equal(await q.read(0), '{"id":"unacked"}');
    const reading = q.read(30_000);
    await sleep(50);
    const started = Date.now();
    await q.close();
    assert.equal(await reading, null);
    assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms`);
    const other = blocking(name);
    assert.equal(await other.length(), 1);
    assert.equal(await other.read(0), '{"id":"unacked"}');
    assert.equal(await admin.exists(`${q.key}.heartbeat.${q.consumerId}`), 0);
  });

  test('a write() after close() of a blocked reader is not swallowed by it', async () => {
    const name = fresh('zombie');
    const q = blocking(name);
    const reading = q.read(30_000);
    await sleep(50);
    await q.close();
    assert.equal(await reading, null);
    const writer = blocking(name);
    await writer.write('{"id":"after"}');
    await sleep(50);
    assert.equal(await writer.length(), 1, 'the message went to the closed reader');
  });

  test('with prefetch, one read claims several messages; a crash of the reader loses none of them', async () => {
    const name = fresh('prefetch');
    const q = blocking(name, { prefetch: 10 });
    for (let n = 0; n < 5; n++) await q.write(`{"id":"m${n}"}`);
    assert.equal(await q.read(0), '{"id":"m0"}');
    assert.equal(await q.length(), 0, 'the rest were claimed ahead');
    assert.equal(await admin.llen(`${q.key}.processing.${q.consumerId}`), 5);
    assert.equal(await q.read(0), '{"id":"m1"}');
    await admin.del(`${q.key}.heartbeat.${q.consumerId}`);
    const other = blocking(name);
    assert.equal(await other.recover(), 5);
    const order: (string | null)[] = [];
    for (let n = 0; n < 5; n++) order.push(await other.read(0));
    assert.deepEqual(order, ['{"id":"m0"}', '{"id":"m1"}', '{"id":"m2"}', '{"id":"m3"}', '{"id":"m4"}']);
  });

  test('a RedisQueue read() never waits, whatever the timeout', async () => {
    const q = queue(() => new RedisQueue(fresh('nowait'), { ...REDIS, prefix }));
    assert.equal(q.blocking, false);
    const started = Date.now();
    assert.equal(await q.read(5000), null);
    assert.ok(Date.now() - started < 1000);
  });

  test('due() claims the messages it takes, so a consumer that dies before running them loses none', async () => {
    const name = fresh('due');
    const q = blocking(name);
    await q.schedule('{"id":"s"}', new Date(Date.now() - 10));
    assert.deepEqual(await q.due(new Date(), 10), ['{"id":"s"}']);
    assert.deepEqual(await admin.lrange(`${q.key}.processing.${q.consumerId}`, 0, -1), ['{"id":"s"}']);
    await admin.del(`${q.key}.heartbeat.${q.consumerId}`);
    const other = blocking(name);
    assert.equal(await other.recover(), 1);
    assert.equal(await other.read(0), '{"id":"s"}');
  });

  test('dead letters are a JSON list per queue with data, reason and time', async () => {
    const q = blocking(fresh('dead'));
    await q.write('not json');
    const data = await q.read(0);
    await q.deadLetter(data!, 'QueueReadException: Malformed message');
    const [entry] = await admin.lrange(`${q.key}.dead`, 0, -1);
    const parsed = JSON.parse(entry!) as { data: string; reason: string; at: string };
    assert.equal(parsed.data, 'not json');
    assert.equal(parsed.reason, 'QueueReadException: Malformed message');
    assert.ok(Math.abs(Date.parse(parsed.at) - Date.now()) < 5000);
    assert.equal(await admin.exists(`${q.key}.processing.${q.consumerId}`), 0, 'a dead letter is no longer claimed');
  });

  test('lease() is a SET NX PX key holding the holder id, expiring after its time', async () => {
    const q = blocking(fresh('lease'));
    assert.equal(await q.lease('periodic:2026-01-01T00:05', 1000), true);
    assert.equal(await admin.get(`${q.key}.lease.periodic:2026-01-01T00:05`), q.consumerId);
    const ttl = await admin.pttl(`${q.key}.lease.periodic:2026-01-01T00:05`);
    assert.ok(ttl > 0 && ttl <= 1000);
  });

  test('a result expires after resultTtl when nobody reads it', async () => {
    const s = store(fresh('ttl'), { resultTtl: 1 });
    await s.put('k', 'v');
    const short = await admin.pttl(`${s.key}.k`);
    assert.ok(short > 0 && short <= 1000, `TTL ${short}`);
    await sleep(1200);
    assert.equal(await s.get('k'), EmptyData);
    const forever = store(fresh('keep'), { resultTtl: 0 });
    await forever.put('k', 'v');
    assert.equal(await admin.pttl(`${forever.key}.k`), -1);
    assert.ok((await admin.pttl(`${store(fresh('default')).key}.x`)) === -2);
    const week = store(fresh('week'));
    await week.put('k', 'v');
    const ttl = await admin.pttl(`${week.key}.k`);
    assert.ok(ttl > 7 * 24 * 3600_000 - 60_000 && ttl <= 7 * 24 * 3600_000, `default TTL ${ttl}`);
  });

  test('many waiters on one store are each woken by their own put, on one subscriber connection', async () => {
    const name = fresh('waiters');
    const s = store(name);
    const producer = store(name);
    const waits = Array.from({ length: 20 }, (_, n) => s.wait(`k${n}`, 5000));
    await sleep(50);
    const started = Date.now();
    for (let n = 0; n < 20; n++) await producer.put(`k${n}`, `v${n}`);
    assert.deepEqual(await Promise.all(waits), Array(20).fill(true));
    // woken by the push, not by the 5 s timeout (a generous bound: test machines can be busy)
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
  });

  test('close() of a store wakes its waiters with false', async () => {
    const s = new RedisDataStore(fresh('closing'), { ...REDIS, prefix });
    const waiting = s.wait('never', 30_000);
    await sleep(50);
    await s.close();
    assert.equal(await waiting, false);
  });

  test('flush() of a store removes only that store\'s results', async () => {
    const a = store(fresh('flusha'));
    const b = store(fresh('flushb'));
    await a.put('x', '1');
    await b.put('x', '2');
    await a.flush();
    assert.equal(await a.peek('x'), EmptyData);
    assert.equal(await b.peek('x'), '2');
  });

  test('an Invoker on Redis runs a call end to end: enqueue, dequeue, execute, blocking get woken by the result', async () => {
    const name = fresh('invoker');
    const registry = new CommandRegistry();
    const producer = new Invoker(blocking(name), { resultStore: store(name), registry });
    const consumer = new Invoker(blocking(name), { resultStore: store(name), registry });
    const countBeans = queueCommand(producer, { name: 'commands.countBeans' })(function countBeans(num: number) {
      return `Counted ${num} beans`;
    });
    const res = await countBeans(100);
    const command = await consumer.dequeue({ timeoutMs: 1000 });
    assert.ok(command);
    const getting = res.get({ blocking: true, timeout: 5 });
    await sleep(20);
    await consumer.execute(command);
    await consumer.queue.ack!(command.raw!);
    assert.equal(await getting, 'Counted 100 beans');
  });

  test('an existing ioredis client is used as given and left open by close()', async () => {
    const client = new Redis({ ...REDIS, lazyConnect: true });
    try {
      const name = fresh('client');
      const q = new RedisBlockingQueue(name, { client, prefix });
      await q.write('{"id":"c"}');
      assert.equal(await q.read(1000), '{"id":"c"}');
      await q.ack('{"id":"c"}');
      const reading = q.read(1000);
      await q.close();
      assert.equal(await reading, null);
      assert.equal(await client.ping(), 'PONG');
    } finally {
      client.disconnect();
    }
  });

  test('a url connects like host and port', async () => {
    const q = queue(() => new RedisQueue(fresh('url'), { url: `redis://${REDIS.host}:${REDIS.port}/0`, prefix }));
    await q.write('{"id":"u"}');
    assert.equal(await q.length(), 1);
  });

  test('a closed consumer leaves no key behind: no heartbeat, no processing list, not in the consumers set', async () => {
    const name = fresh('tidy');
    const q = new RedisBlockingQueue(name, { ...REDIS, prefix });
    await q.write('{"id":"t"}');
    await q.ack((await q.read(0))!);
    await q.close();
    assert.deepEqual(await keysUnder(`${q.key}.`), []);
  });

  test('the heartbeat timer refreshes the heartbeat and recovers dead consumers by itself', async () => {
    const name = fresh('beat');
    const live = blocking(name, { heartbeat: 0.3 });
    // a consumer killed long ago: registered, holding a message, no heartbeat
    const ghost = 'elsewhere:1:dead';
    await admin.zadd(`${live.key}.consumers`, 0, ghost);
    await admin.lpush(`${live.key}.processing.${ghost}`, '{"id":"orphan"}');
    assert.equal(await live.read(0), null);
    await eventually(async () => (await admin.llen(live.key)) === 1, 'the heartbeat timer to recover the orphan', 2000);
    await sleep(400);
    assert.ok((await admin.pttl(`${live.key}.heartbeat.${live.consumerId}`)) > 0, 'the heartbeat outlived its TTL: it was refreshed');
    assert.equal(await live.read(0), '{"id":"orphan"}');
  });
});

describe('redis backend options', () => {
  test('unknown options, wrong types and clashing connection options throw ConfigurationError', () => {
    const bad: [string, unknown][] = [
      ['test', { hots: 'localhost' }],
      ['test', { port: '6379' }],
      ['test', { db: -1 }],
      ['test', { heartbeat: 'long' }],
      ['test', { heartbeat: 0 }],
      ['test', { prefetch: 0 }],
      ['test', { prefix: 'a{b}' }],
      ['test', { url: 'redis://x', host: 'y' }],
      ['test', { client: {} }],
      ['test', { commandTimeout: 0 }],
      ['test', { waitForReplicas: -1 }],
      ['test', { sentinel: { name: 'huey' } }],
      ['test', { sentinel: { name: 'huey', sentinels: [] } }],
      ['test', { sentinel: { name: 'huey', sentinels: [{ host: 'a', port: '26379' }] } }],
      ['test', { sentinel: { sentinels: [{ host: 'a', port: 26379 }] } }],
      ['test', { sentinel: { name: 'huey', sentinels: [{ host: 'a', port: 26379 }], master: 'x' } }],
      ['test', { sentinel: { name: 'huey', sentinels: [{ host: 'a', port: 26379 }] }, host: 'b' }],
      ['---', {}],
    ];
    for (const [name, options] of bad) {
      assert.throws(() => new RedisQueue(name, options as never), ConfigurationError, JSON.stringify(options));
    }
    assert.throws(() => new RedisDataStore('test', { resultTtl: -1 }), ConfigurationError);
    assert.throws(() => new RedisDataStore('test', { heartbeat: 1 } as never), ConfigurationError);
    assert.throws(() => new RedisQueue('test', { port: 'x' } as never), /Expected `port` to be a positive integer, got "x" \(string\)/);
    assert.throws(() => new RedisDataStore('test', { waitForReplicas: 1 } as never), ConfigurationError);
  });

  test('a call to a Redis that does not answer rejects within a bounded time instead of hanging', async () => {
    // nothing listens on port 1: every connection attempt is refused
    const q = new RedisQueue('down', { host: '127.0.0.1', port: 1 });
    const s = new RedisDataStore('down', { host: '127.0.0.1', port: 1 });
    try {
      const started = Date.now();
      await assert.rejects(q.write('{"id":"w"}'));
      await assert.rejects(s.put('k', 'v'));
      assert.ok(Date.now() - started < 6000, `took ${Date.now() - started} ms`);
    } finally {
      await q.close();
      await s.close();
    }
  });
});
