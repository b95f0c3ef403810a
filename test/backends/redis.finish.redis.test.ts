/**
 * `finish()` of the Redis queues: the result stored (with the store's TTL,
 * announced on its channel) and the message acknowledged in one script, or
 * `false` and nothing done when the store is out of the queue's reach. A
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
});
