/**
 * `finish()` of the Redis queues: the result stored (with the store's TTL,
 * announced on its channel) and the message acknowledged in one script, or
 * `false` and nothing done when the store is out of the queue's reach;
 * `finishAndRead()`, which also claims the slot's next message. A
 * Redis test because the script, pub/sub and key expiry are the behaviour
 * under test; Redis going away during `finish()` is in
 * `redis.faults.redis.test.ts`, the Cluster case in
 * `redis.cluster.redis.test.ts`. Skipped without Redis, failing instead
 * under HUEY_REQUIRE_REDIS=1.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { EmptyData } from 'huey/backends/base';
import { MemoryDataStore } from 'huey/backends/memory';
import { RedisBlockingQueue, RedisDataStore } from 'huey/backends/redis';
import { REDIS, redisSkipReason, sleep } from '../helpers.js';
import { redisBackends } from './redis-helpers.js';

const skip = await redisSkipReason();

describe('redis finish()', { skip }, () => {
  const { prefix, admin, fresh, track, blocking, store } = redisBackends();

  test('finish() stores the result with the store\'s TTL, wakes a blocking get in another connection, and leaves nothing claimed', async () => {
    const name = fresh('finish');
    const q = blocking(name);
    const results = store(name, { resultTtl: 60 });
    const producer = store(name);
    await q.write('{"id":"t1"}');
    const data = (await q.read(0))!;
    const waiting = producer.wait('t1', 5000);
    await sleep(50);
    const started = Date.now();
    assert.equal(await q.finish(data, results, 't1', '"done"'), true);
    assert.equal(await waiting, true);
    // woken by the publish, not by the 5 s timeout (a generous bound: test machines can be busy)
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
    assert.equal(await admin.exists(`${q.key}.processing.${q.consumerId}`), 0);
    const ttl = await admin.pttl(`${results.key}.t1`);
    assert.ok(ttl > 0 && ttl <= 60_000, `TTL ${ttl}`);
    assert.equal(await producer.get('t1'), '"done"');
    await q.close();
    assert.equal(await admin.llen(q.key), 0, 'close() put a finished message back');
  });

  test('finish() with resultTtl 0 keeps the result until it is read', async () => {
    const name = fresh('finishkeep');
    const q = blocking(name);
    const results = store(name, { resultTtl: 0 });
    await q.write('{"id":"k"}');
    assert.equal(await q.finish((await q.read(0))!, results, 'k', '1'), true);
    assert.equal(await admin.pttl(`${results.key}.k`), -1);
  });

  test('finish() works for any store on the same server and database: another name, or one sharing the queue\'s client', async () => {
    const name = fresh('finishother');
    const q = blocking(name);
    const elsewhere = store(fresh('otherstore'));
    await q.write('{"id":"o"}');
    assert.equal(await q.finish((await q.read(0))!, elsewhere, 'o', '1'), true);
    assert.equal(await elsewhere.get('o'), '1');
    const client = new Redis({ ...REDIS, lazyConnect: true });
    try {
      const sharing = track(new RedisBlockingQueue(name, { client, prefix }));
      const sharingStore = new RedisDataStore(name, { client, prefix });
      await sharing.write('{"id":"c"}');
      assert.equal(await sharing.finish((await sharing.read(0))!, sharingStore, 'c', '2'), true);
      assert.equal(await sharingStore.get('c'), '2');
      await sharing.close();
    } finally {
      client.disconnect();
    }
  });

  test('finish() returns false and changes nothing for a MemoryDataStore or a RedisDataStore on another database; the message stays claimed', async () => {
    const name = fresh('finishno');
    const q = blocking(name);
    const memory = new MemoryDataStore(name);
    const otherDb = store(name, { db: 1 });
    const db1 = new Redis({ ...REDIS, db: 1, lazyConnect: true });
    try {
      await q.write('{"id":"n"}');
      const data = (await q.read(0))!;
      assert.equal(await q.finish(data, memory, 'n', '1'), false);
      assert.equal(await memory.get('n'), EmptyData);
      assert.equal(await q.finish(data, otherDb, 'n', '1'), false);
      assert.equal(await db1.exists(`${otherDb.key}.n`), 0);
      assert.equal(await admin.exists(`${otherDb.key}.n`), 0);
      assert.deepEqual(await admin.lrange(`${q.key}.processing.${q.consumerId}`, 0, -1), [data]);
      // the caller's fallback, as the consumer does it
      await otherDb.put('n', '1');
      await q.ack(data);
      assert.equal(await otherDb.get('n'), '1');
      assert.equal(await admin.exists(`${q.key}.processing.${q.consumerId}`), 0);
    } finally {
      db1.disconnect();
    }
  });

  test('finishAndRead() stores the result, acknowledges, and claims up to `count` next messages oldest first; [] once the queue is empty', async () => {
    const name = fresh('far');
    const q = blocking(name);
    const results = store(name);
    for (const id of ['a', 'b', 'c']) await q.write(`{"id":"${id}"}`);
    const a = (await q.read(0))!;
    const next = await q.finishAndRead(a, results, 'a', '"A"', 1);
    assert.deepEqual(next, ['{"id":"b"}']);
    assert.deepEqual(await q.finishAndRead(next![0]!, results, 'b', '"B"', 5), ['{"id":"c"}']);
    assert.deepEqual(await q.finishAndRead('{"id":"c"}', results, 'c', '"C"', 1), []);
    assert.deepEqual([await results.get('a'), await results.get('b'), await results.get('c')], ['"A"', '"B"', '"C"']);
    assert.equal(await admin.exists(`${q.key}.processing.${q.consumerId}`), 0, 'every message acknowledged');
  });

  test('finishes of one turn of the event loop go out together and share out the messages they claim in order', async () => {
    const name = fresh('farbatch');
    const q = blocking(name);
    const results = store(name);
    for (const id of ['r1', 'r2', 'r3', 'n1', 'n2']) await q.write(`{"id":"${id}"}`);
    const running = await q.readMany(3, 0);
    const monitor = await admin.monitor();
    const scripts: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (/^eval(sha)?$/i.test(args[0] ?? '') && args.includes(`${q.key}.processing.${q.consumerId}`)) scripts.push(args);
    });
    const next = await Promise.all(running.map((data, i) => q.finishAndRead(data, results, `r${i + 1}`, `${i + 1}`, 1)));
    await sleep(50);
    monitor.disconnect();
    assert.equal(scripts.length, 1, 'the three finishes were one script');
    assert.deepEqual(next, [['{"id":"n1"}'], ['{"id":"n2"}'], []]);
    assert.deepEqual([await results.get('r1'), await results.get('r2'), await results.get('r3')], ['1', '2', '3']);
    assert.deepEqual(await admin.lrange(`${q.key}.processing.${q.consumerId}`, 0, -1), ['{"id":"n2"}', '{"id":"n1"}']);
  });

  test('finishAndRead() with a store out of reach answers null, claims nothing and leaves the message claimed', async () => {
    const name = fresh('farno');
    const q = blocking(name);
    await q.write('{"id":"x"}');
    await q.write('{"id":"y"}');
    const data = (await q.read(0))!;
    assert.equal(await q.finishAndRead(data, new MemoryDataStore(name), 'x', '1', 1), null);
    assert.deepEqual(await admin.lrange(`${q.key}.processing.${q.consumerId}`, 0, -1), [data]);
    assert.equal(await admin.llen(q.key), 1, 'the next message still waits');
  });
});
