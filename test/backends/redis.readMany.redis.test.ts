/**
 * `readMany()` of the Redis queues: up to `count` messages claimed with one
 * script, the prefetch buffer first, and on an empty blocking queue one
 * `BLMOVE` whose message is returned at once. A Redis test because the
 * claim script and BLMOVE are the behaviour under test. The processes
 * test (`redis.processes.redis.test.ts`) shows that a consumer killed after
 * `readMany()` loses nothing. Skipped without Redis, failing instead under
 * HUEY_REQUIRE_REDIS=1.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RedisBlockingQueue, RedisQueue } from 'huey/backends/redis';
import { ConfigurationError } from 'huey/exceptions';
import { REDIS, eventually, redisSkipReason, sleep } from '../helpers.js';
import { redisBackends } from './redis-helpers.js';

const skip = await redisSkipReason();

describe('redis readMany()', { skip }, () => {
  const { prefix, admin, fresh, track, blocking } = redisBackends();

  test('readMany() claims up to count messages with one script, oldest first, and each stays claimed until acknowledged', async () => {
    for (const Queue of [RedisBlockingQueue, RedisQueue]) {
      const q = track(new Queue(fresh('many'), { ...REDIS, prefix }));
      for (let n = 0; n < 5; n++) await q.write(`{"id":"m${n}"}`);
      assert.deepEqual(await q.readMany(3, 0), ['{"id":"m0"}', '{"id":"m1"}', '{"id":"m2"}']);
      assert.equal(await q.length(), 2);
      assert.deepEqual(await admin.lrange(`${q.key}.processing.${q.consumerId}`, 0, -1), ['{"id":"m2"}', '{"id":"m1"}', '{"id":"m0"}']);
      assert.deepEqual(await q.readMany(10, 0), ['{"id":"m3"}', '{"id":"m4"}']);
      assert.deepEqual(await q.readMany(10, 0), []);
      for (let n = 0; n < 5; n++) await q.ack(`{"id":"m${n}"}`);
      assert.equal(await admin.exists(`${q.key}.processing.${q.consumerId}`), 0);
    }
  });

  test('readMany() hands out the messages claimed ahead (prefetch) first, and claims the larger of count and prefetch', async () => {
    const q = blocking(fresh('manyahead'), { prefetch: 4 });
    for (let n = 0; n < 6; n++) await q.write(`{"id":"m${n}"}`);
    assert.deepEqual(await q.readMany(1, 0), ['{"id":"m0"}']);
    assert.equal(await q.length(), 2, 'prefetch claimed four');
    assert.deepEqual(await q.readMany(5, 0), ['{"id":"m1"}', '{"id":"m2"}', '{"id":"m3"}'], 'the buffer first, alone');
    assert.deepEqual(await q.readMany(5, 0), ['{"id":"m4"}', '{"id":"m5"}']);
    assert.equal(await admin.llen(`${q.key}.processing.${q.consumerId}`), 6);
  });

  test('readMany() on an empty blocking queue waits for the first message and returns it alone, at once', async () => {
    const connectionName = `manywait${process.pid}`;
    const q = blocking(fresh('manywait'), { redisOptions: { connectionName } });
    const reading = q.readMany(10, 5000);
    const blocked = async (): Promise<boolean> => String(await admin.client('LIST')).split('\n').some((line) => line.includes(`name=${connectionName} `) && line.includes('cmd=blmove'));
    await eventually(blocked, 'the read to block on BLMOVE');
    // three messages in one LPUSH: the waiting BLMOVE takes the oldest, and readMany does not go back for the others
    await admin.lpush(q.key, '{"id":"w0"}', '{"id":"w1"}', '{"id":"w2"}');
    assert.deepEqual(await reading, ['{"id":"w0"}']);
    assert.equal(await q.length(), 2);
    assert.deepEqual(await q.readMany(10, 5000), ['{"id":"w1"}', '{"id":"w2"}']);
    const started = Date.now();
    assert.deepEqual(await q.readMany(10, 200), []);
    assert.ok(Date.now() - started >= 150, 'it waited for its timeout');
  });

  test('readMany() after close() answers an empty list, and a count that is not a positive integer is a ConfigurationError', async () => {
    const q = blocking(fresh('manybad'));
    for (const count of [0, -1, 1.5, '3']) await assert.rejects(q.readMany(count as number, 0), ConfigurationError, String(count));
    const waiting = blocking(q.name);
    const reading = waiting.readMany(5, 30_000);
    await sleep(50);
    await waiting.close();
    assert.deepEqual(await reading, []);
    await q.write('{"id":"x"}');
    assert.deepEqual(await waiting.readMany(5, 0), []);
    assert.equal(await q.length(), 1, 'the closed reader took nothing');
  });
});
