/**
 * Several consumer processes on one Redis queue, as users run them: every
 * message is run once when nothing crashes, nothing is lost when one is
 * killed with SIGKILL, and scheduled calls are taken once across three
 * processes. A Redis test because the guarantees live in Redis (atomic
 * claims, heartbeats) and only separate processes show them. The consumers
 * are `test/fixtures/redis-consumer.ts`, which loops due() → read() (or
 * readMany()) → ack() directly on the queue.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { RedisBlockingQueue } from 'huey/backends/redis';
import { REDIS, eventually, redisSkipReason } from '../helpers.js';
import { deletePrefix, keysUnder, startFixture, testPrefix, type Fixture } from './redis-helpers.js';

const skip = await redisSkipReason();

/** The messages a consumer has acknowledged, from its `done <message>` lines. */
const doneBy = (fixture: Fixture): string[] => fixture.lines.filter((line) => line.startsWith('done ')).map((line) => line.slice(5));

describe('redis consumers in separate processes', { skip }, () => {
  const prefix = testPrefix();
  const running: Fixture[] = [];
  const start = (name: string, options: object = {}, delayMs = 0, batch = 1): Fixture => {
    const fixture = startFixture('redis-consumer', [JSON.stringify({ ...REDIS, prefix, ...options }), name, String(delayMs), String(batch)]);
    running.push(fixture);
    return fixture;
  };
  const stop = async (fixtures: Fixture[]): Promise<(number | string)[]> => {
    for (const fixture of fixtures) fixture.child.kill('SIGTERM');
    return Promise.all(fixtures.map((fixture) => fixture.exited));
  };
  const ready = (fixtures: Fixture[]): Promise<unknown> =>
    eventually(() => fixtures.every((fixture) => fixture.lines.some((line) => line.startsWith('ready '))), 'the consumers to start', 30_000);

  after(async () => {
    for (const fixture of running) if (fixture.child.exitCode === null && fixture.child.signalCode === null) fixture.child.kill('SIGKILL');
    await Promise.all(running.map((fixture) => fixture.exited));
    await deletePrefix(prefix);
  });

  test('three consumers on one queue run every message exactly once, and stopped cleanly leave no claim and no registration behind', async () => {
    const producer = new RedisBlockingQueue('shared', { ...REDIS, prefix });
    try {
      const consumers = [start('shared'), start('shared'), start('shared')];
      await ready(consumers);
      const sent = Array.from({ length: 300 }, (_, n) => JSON.stringify({ id: `m${n}` }));
      for (const data of sent) await producer.write(data);
      await eventually(() => consumers.flatMap(doneBy).length >= sent.length, 'all messages to be done', 60_000);
      assert.deepEqual(await stop(consumers), [0, 0, 0]);
      const done = consumers.flatMap(doneBy);
      assert.equal(done.length, sent.length, 'a message ran twice');
      assert.deepEqual([...done].sort(), [...sent].sort());
      assert.ok(consumers.filter((consumer) => doneBy(consumer).length > 0).length >= 2, 'the work was shared');
      assert.equal(await producer.length(), 0);
      assert.deepEqual(await keysUnder(`${producer.key}.`), []);
    } finally {
      await producer.close();
    }
  });

  /**
   * Sends 200 messages, lets a slow victim take some (`batch` a claim, or by
   * its `prefetch`), kills it with SIGKILL, and checks that recovery gives
   * back at least `recoveredAtLeast` and a survivor runs every message, at
   * most one twice, leaving no claim behind.
   */
  async function killMidRun(name: string, victimOptions: object, batch: number, recoveredAtLeast: number): Promise<void> {
    const producer = new RedisBlockingQueue(name, { ...REDIS, prefix });
    try {
      const sent = Array.from({ length: 200 }, (_, n) => JSON.stringify({ id: `${name}${n}` }));
      for (const data of sent) await producer.write(data);
      const victim = start(name, victimOptions, 200, batch);
      // the survivor's own heartbeat timer would recover the victim too; a long heartbeat keeps it out of the way
      const survivor = start(name, { heartbeat: 60 }, 5, batch);
      await eventually(() => doneBy(victim).length >= 1, 'the victim to get going', 30_000);
      victim.child.kill('SIGKILL');
      assert.equal(await victim.exited, 'SIGKILL');
      // on the same host a consumer whose process is gone is recovered at once, without waiting for its heartbeat to expire
      const recovered = await producer.recover();
      assert.ok(recovered >= recoveredAtLeast, `recovered ${recovered}`);
      await eventually(() => new Set([...doneBy(victim), ...doneBy(survivor)]).size === sent.length, 'every message to be done', 60_000);
      assert.deepEqual(await stop([survivor]), [0]);
      const done = [...doneBy(victim), ...doneBy(survivor)];
      assert.deepEqual([...new Set(done)].sort(), [...sent].sort());
      assert.ok(done.length - sent.length <= 1, `${done.length - sent.length} ran twice: only one can have been recorded and not acknowledged`);
      assert.equal(await producer.length(), 0);
      assert.deepEqual(await keysUnder(`${producer.key}.processing.`), [], 'a claim was left behind');
    } finally {
      await producer.close();
    }
  }

  test('a consumer killed with SIGKILL loses nothing: its claimed messages come back and are run by another', async () => {
    // the victim claims five at a time (prefetch) and is slow, so it holds three or four messages when it dies
    await killMidRun('killed', { prefetch: 5 }, 1, 3);
  });

  test('a consumer killed with SIGKILL after readMany() loses none of its claims: they come back and are run by another', async () => {
    // the victim claims ten at a time with readMany() and is slow, so it holds several messages when it dies
    await killMidRun('killedmany', {}, 10, 5);
  });

  test('scheduled messages are taken once across three consumer processes', async () => {
    const producer = new RedisBlockingQueue('scheduled', { ...REDIS, prefix });
    try {
      const consumers = [start('scheduled'), start('scheduled'), start('scheduled')];
      await ready(consumers);
      const eta = new Date(Date.now() + 300);
      const sent = Array.from({ length: 90 }, (_, n) => JSON.stringify({ id: `s${n}` }));
      for (const data of sent) await producer.schedule(data, eta);
      await eventually(() => consumers.flatMap(doneBy).length >= sent.length, 'all scheduled messages to be done', 60_000);
      assert.deepEqual(await stop(consumers), [0, 0, 0]);
      const done = consumers.flatMap(doneBy);
      assert.equal(done.length, sent.length, 'a scheduled message ran twice');
      assert.deepEqual([...done].sort(), [...sent].sort());
      assert.equal(await producer.nextEta(), null);
    } finally {
      await producer.close();
    }
  });
});
