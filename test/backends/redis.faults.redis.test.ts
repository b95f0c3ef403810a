/**
 * Faults: a private redis-server (its own free port, its own directory,
 * append-only file with fsync always, like a Redis that keeps its data) is
 * killed under load and started again. A running reader carries on, a
 * write during the outage rejects within a bounded time instead of
 * hanging, and no message whose write was acknowledged is lost. A Redis
 * test because it needs the real server and its restart; it uses the
 * redis-server binary, not the shared Redis, whose data it must not touch.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RedisBlockingQueue, RedisDataStore } from 'huey/backends/redis';
import { DataStorePutException, QueueException } from 'huey/exceptions';
import { eventually, freePort, redisSkipReason, scratchDir, sleep } from '../helpers.js';
import { Redis } from 'ioredis';

const skip = await redisSkipReason();

/** A redis-server of the test's own, stopped and started at will. */
class PrivateRedis {
  #process: ChildProcess | undefined;
  readonly port: number;
  readonly dir: string;

  constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
    this.#process = child;
    const ping = new Redis({ port: this.port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
    ping.on('error', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([ping.ping(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('redis-server did not start')), 10_000)))]);
    } finally {
      clearTimeout(timer);
      ping.disconnect();
    }
  }

  /** Kills the server without warning, as a crash or a power cut would. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

describe('redis faults on a private redis-server', { skip }, () => {
  let server: PrivateRedis;
  let removeDir: () => Promise<void>;

  before(async () => {
    // fsync on every write is what makes a killed Redis keep acknowledged writes; on tmpfs it costs little
    const dir = existsSync('/dev/shm') ? await mkdtemp(join('/dev/shm', 'huey-redis-fault-')).then((path) => ({ path, remove: () => rm(path, { recursive: true, force: true }) })) : await scratchDir('huey-redis-fault-');
    removeDir = dir.remove;
    server = new PrivateRedis(await freePort(), dir.path);
    await server.start();
  });
  after(async () => {
    await server.kill();
    await removeDir();
  });

  test('Redis killed under load and started again: the reader carries on, writes in the outage reject within seconds, no acknowledged write is lost', async () => {
    const connection = { host: '127.0.0.1', port: server.port };
    const writer = new RedisBlockingQueue('faults', connection);
    const reader = new RedisBlockingQueue('faults', connection);
    const store = new RedisDataStore('faults', connection);
    const written = new Set<string>();
    const seen = new Set<string>();
    const rejections: number[] = [];
    let readErrors = 0;
    let reading = true;
    const readLoop = (async () => {
      while (reading) {
        let data: string | null = null;
        try {
          data = await reader.read(200);
          if (data === null) continue;
          seen.add(data);
          await reader.ack(data);
        } catch {
          readErrors++;
          await sleep(50);
        }
      }
    })();
    try {
      const total = 1000;
      let restarted: Promise<void> | undefined;
      for (let n = 0; n < total; n++) {
        const data = JSON.stringify({ id: `f${n}` });
        if (n === 400) restarted = (async () => {
          await server.kill();
          await sleep(1500);
          await server.start();
        })();
        const started = Date.now();
        try {
          await writer.write(data);
          written.add(data);
        } catch {
          rejections.push(Date.now() - started);
        }
      }
      await restarted;
      await server.kill();
      const putStarted = Date.now();
      await assert.rejects(store.put('k', 'v'), 'a put while Redis is down rejects');
      const putTook = Date.now() - putStarted;
      await server.start();

      assert.ok(rejections.length > 0, 'no write met the outage');
      assert.ok(Math.max(...rejections) < 6000, `a write took ${Math.max(...rejections)} ms to reject`);
      assert.ok(putTook < 6000, `a put took ${putTook} ms to reject`);
      assert.ok(written.size > total - rejections.length - 1 && written.size >= 900, `only ${written.size} writes went through`);
      try {
        await eventually(() => [...written].every((data) => seen.has(data)), 'the reader to see every acknowledged write', 60_000);
      } catch (error) {
        // say where the missing messages are: still waiting (a slow reader) or claimed and stuck (a bug)
        const admin = new Redis({ ...connection, lazyConnect: true });
        const missing = [...written].filter((data) => !seen.has(data));
        const waiting = new Set(await admin.lrange('huey.redis.{faults}', 0, -1));
        const claimed = new Set((await Promise.all((await admin.keys('huey.redis.{faults}.processing.*')).map((key) => admin.lrange(key, 0, -1)))).flat());
        admin.disconnect();
        const where = `${missing.length} missing: ${missing.filter((data) => waiting.has(data)).length} waiting, ${missing.filter((data) => claimed.has(data)).length} claimed`;
        throw new Error(`${(error as Error).message} (${where})`, { cause: error });
      }
      assert.ok(readErrors > 0, 'the reader never saw the outage');
      reading = false;
      await readLoop;
      await reader.close();
      // nothing waits, nothing is left claimed: all went through the reader
      const left = await writer.length();
      const admin = new Redis({ ...connection, lazyConnect: true });
      try {
        const stray = await admin.keys('huey.redis.{faults}.processing.*');
        assert.deepEqual(stray, [], 'messages left claimed');
        const waiting = await admin.lrange('huey.redis.{faults}', 0, -1);
        assert.ok(waiting.every((data) => seen.has(data)), 'a message left waiting was never read');
        assert.equal(left, waiting.length);
      } finally {
        admin.disconnect();
      }
    } finally {
      reading = false;
      await readLoop;
      await writer.close();
      await reader.close();
      await store.close();
    }
  });

  test('Redis gone during finish(): a DataStorePutException with the cause, and the message stays claimed until close() puts it back', async () => {
    const connection = { host: '127.0.0.1', port: server.port };
    const queue = new RedisBlockingQueue('finishing', connection);
    const store = new RedisDataStore('finishing', connection);
    const admin = new Redis({ ...connection, lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
    admin.on('error', () => undefined);
    try {
      await queue.write('{"id":"f1"}');
      const data = (await queue.read(0))!;
      await server.kill();
      const failed: unknown = await queue.finish(data, store, 'f1', '"result"').then(
        () => assert.fail('finish() succeeded without Redis'),
        (error: unknown) => error,
      );
      assert.ok(failed instanceof DataStorePutException, String(failed));
      assert.ok(failed instanceof QueueException);
      assert.ok(failed.cause instanceof Error, 'the ioredis error is kept as the cause');
      assert.equal(failed.raw, data);
      await server.start();
      await eventually(() => queue.length().then(() => true, () => false), 'the queue to reconnect', 30_000);
      assert.deepEqual(await admin.lrange(`${queue.key}.processing.${queue.consumerId}`, 0, -1), [data], 'the message is still claimed');
      assert.equal(await admin.exists(`${store.key}.f1`), 0, 'no result without the acknowledgement');
      await queue.close();
      assert.deepEqual(await admin.lrange(queue.key, 0, -1), [data], 'close() put the message back');
    } finally {
      admin.disconnect();
      await queue.close();
      await store.close();
    }
  });
});
