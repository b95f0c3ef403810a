/**
 * The Redis side of the controls of calls, seen in its keys: priorities
 * leave no trace once read (no level list, no wake marker), revocations
 * that have all ended leave no hash behind (so claims stop asking), and a
 * dead consumer's message of a priority goes back to its priority. While
 * any revocation exists no message waits in the plain list, so a call that
 * a blocked reader takes (only ever from there) was taken with none in
 * force, and every other one is checked.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisBlockingQueue, RedisQueue } from 'huey/backends/redis';
import { REDIS, redisSkipReason, sleep } from '../helpers.js';
import { prioritized } from './contract-controls.js';
import { deletePrefix, keysUnder, testPrefix } from './redis-helpers.js';

const skip = await redisSkipReason();

describe('Redis keys of the controls of calls', { skip }, () => {
  const prefix = testPrefix();
  const opened: RedisQueue[] = [];
  const open = <Q extends RedisQueue>(queue: Q): Q => {
    opened.push(queue);
    return queue;
  };
  after(async () => {
    for (const queue of opened) await queue.close();
    await deletePrefix(prefix);
  });

  test('a blocked reader woken for a message of priority 7 takes it and leaves no level list and no wake marker behind', async () => {
    const reader = open(new RedisBlockingQueue('wake', { ...REDIS, prefix }));
    const writer = open(new RedisQueue('wake', { ...REDIS, prefix }));
    const reading = reader.read(5000);
    await sleep(50);
    await writer.write(prioritized('p7', 7));
    const data = await reading;
    assert.equal(JSON.parse(data!).id, 'p7');
    await reader.ack(data!);
    const keys = await keysUnder(`${reader.key}`);
    assert.deepEqual(keys.filter((key) => key === reader.key || key.includes('.priorit')), [], 'no waiting list of any priority is left');
  });

  test('once every revocation has ended, the hash of revocations is gone', async () => {
    const queue = open(new RedisQueue('sweep', { ...REDIS, prefix }));
    const until = new Date(Date.now() + 60_000);
    await queue.revoke('task:a', { until, once: false });
    await queue.revoke('task:b', { until, once: false });
    assert.deepEqual((await keysUnder(`${queue.key}.revoked`)).length, 1);
    assert.equal(await queue.revoked(['task:c'], new Date(until.getTime() + 1)), null);
    assert.deepEqual(await keysUnder(`${queue.key}.revoked`), []);
  });

  test('a message of a priority taken by a consumer that dies goes back to its priority, ahead of plain ones', async () => {
    const dying = open(new RedisQueue('recover', { ...REDIS, prefix }));
    await dying.write(prioritized('plain'));
    await dying.write(prioritized('high', 2));
    assert.equal(JSON.parse((await dying.read())!).id, 'high');
    // a consumer that dies without a word: its heartbeat key expires
    const admin = new Redis({ ...REDIS, lazyConnect: true });
    try {
      await admin.del(`${dying.key}.heartbeat.${dying.consumerId}`);
    } finally {
      admin.disconnect();
    }
    const other = open(new RedisQueue('recover', { ...REDIS, prefix }));
    assert.equal(await other.recover(), 1);
    assert.deepEqual((await other.waiting(10)).map((data) => JSON.parse(data).id), ['high', 'plain']);
    assert.equal(JSON.parse((await other.read())!).id, 'high');
  });

  test('a call written after a revocation, while a reader waits, reaches it through a claim that sees the revocation', async () => {
    const reader = open(new RedisBlockingQueue('revoked-wait', { ...REDIS, prefix }));
    const writer = open(new RedisQueue('revoked-wait', { ...REDIS, prefix }));
    const reading = reader.read(5000);
    await sleep(50);
    await writer.revoke('command:commands.work', { until: null, once: false });
    await writer.write(prioritized('late'));
    const data = await reading;
    assert.equal(JSON.parse(data!).id, 'late');
    assert.equal(await reader.revoked(['task:late', 'command:commands.work'], new Date()), 'command:commands.work');
    await reader.ack(data!);
  });

  test('a revocation moves the calls waiting in the plain list out of the way of blocked reads, in order, and they are checked', async () => {
    const writer = open(new RedisQueue('revoked-moved', { ...REDIS, prefix }));
    for (const id of ['m1', 'm2']) await writer.write(prioritized(id));
    await writer.revoke('task:m2', { until: null, once: false });
    const admin = new Redis({ ...REDIS, lazyConnect: true });
    try {
      assert.deepEqual(await admin.lrange(writer.key, 0, -1), ['huey:wake'], 'the plain list holds no message, only a wake marker for a waiting reader');
    } finally {
      admin.disconnect();
    }
    await writer.write(prioritized('m3'));
    assert.equal(await writer.restore('task:m2'), true);
    await writer.write(prioritized('m4'));
    assert.deepEqual((await writer.waiting(10)).map((data) => JSON.parse(data).id), ['m1', 'm2', 'm3', 'm4']);
    const reader = open(new RedisBlockingQueue('revoked-moved', { ...REDIS, prefix }));
    await writer.revoke('task:m2', { until: null, once: false });
    const taken = await reader.readMany(4, 1000);
    assert.deepEqual(taken.map((data) => JSON.parse(data).id), ['m1', 'm2', 'm3', 'm4']);
    assert.equal(await reader.revoked(['task:m2'], new Date()), 'task:m2');
    for (const data of taken) await reader.ack(data);
  });

  test('a call a consumer gave back while a revocation exists waits where no blocked read takes it unchecked', async () => {
    const first = open(new RedisQueue('revoked-release', { ...REDIS, prefix }));
    await first.write(prioritized('given-back'));
    assert.equal(JSON.parse((await first.read())!).id, 'given-back');
    const reader = open(new RedisBlockingQueue('revoked-release', { ...REDIS, prefix }));
    const reading = reader.read(5000);
    await sleep(50);
    await first.revoke('task:given-back', { until: null, once: false });
    await first.close();
    const data = await reading;
    assert.equal(JSON.parse(data!).id, 'given-back');
    assert.equal(await reader.revoked(['task:given-back'], new Date()), 'task:given-back');
    await reader.ack(data!);
  });
});
