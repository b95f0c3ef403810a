/**
 * The Redis backend on a Redis Cluster: a private cluster of three
 * redis-server masters on free ports, created with `redis-cli --cluster
 * create`, reached through an ioredis `Cluster` client. The backend
 * contract passes there only if every key one script touches shares a
 * slot (the `{name}` hash tag); `finish()` stores a result in the queue's
 * own script only for a store in that slot. A Redis test because it needs the real
 * redis-server binary; it never touches the shared Redis.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { EmptyData } from 'huey/backends/base';
import { RedisBlockingQueue, RedisDataStore } from 'huey/backends/redis';
import { freePort, redisSkipReason, sleep } from '../helpers.js';
import { backendContract } from './contract.js';

const skip = await redisSkipReason();

/** Three masters, each a redis-server of its own, made into one cluster. */
async function startCluster(): Promise<{ ports: number[]; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'huey-redis-cluster-'));
  const servers: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      servers.map((server) => (server.exitCode !== null ? undefined : new Promise((resolve) => (server.once('exit', resolve), server.kill('SIGKILL'))))),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      // cluster ports need the port + 10000 bus port free too; a port of 55535 or more has none
      let port = await freePort();
      while (port > 55_000) port = await freePort();
      ports.push(port);
      servers.push(
        spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }),
      );
    }
    for (const port of ports) {
      const ping = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
      ping.on('error', () => undefined);
      await ping.ping();
      ping.disconnect();
    }
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-yes'], { timeout: 30_000 });
    // the cluster is usable once every node agrees that all slots are covered
    for (let tries = 0; ; tries++) {
      const { stdout } = await promisify(execFile)('redis-cli', ['-p', String(ports[0]), 'cluster', 'info']);
      if (stdout.includes('cluster_state:ok')) break;
      if (tries > 100) throw new Error(`the cluster did not come up: ${stdout}`);
      await sleep(100);
    }
    return { ports, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The one cluster of this file, started by the first suite that needs it and stopped after the last. */
let cluster: ReturnType<typeof startCluster> | undefined;
const clusterNodes = async (): Promise<{ host: string; port: number }[]> => (await (cluster ??= startCluster())).ports.map((port) => ({ host: '127.0.0.1', port }));
after(async () => {
  if (cluster !== undefined) await (await cluster).stop();
});

backendContract({
  name: 'redis on a Redis Cluster',
  skip,
  async open() {
    const nodes = await clusterNodes();
    const clients: Cluster[] = [];
    const client = (): Cluster => {
      const made = new Cluster(nodes);
      clients.push(made);
      return made;
    };
    return {
      // connected before use, as in the single-server suite: the lease test allows 300 ms
      queue: async (name) => {
        const queue = new RedisBlockingQueue(name, { client: client() });
        await queue.length();
        return queue;
      },
      store: async (name) => {
        const store = new RedisDataStore(name, { client: client() });
        await store.peek('connected');
        return store;
      },
      cleanup: async () => {
        for (const made of clients) made.disconnect();
      },
    };
  },
});

describe('finish() on a Redis Cluster', { skip }, () => {
  const clients: Cluster[] = [];
  const closing: { close(): Promise<void> }[] = [];
  const client = async (): Promise<Cluster> => {
    const made = new Cluster(await clusterNodes());
    clients.push(made);
    return made;
  };
  after(async () => {
    for (const backend of closing) await backend.close();
    for (const made of clients) made.disconnect();
  });

  test('finish() stores in one script for a store of the queue\'s name (one slot), and returns false, changing nothing, for another name', async () => {
    // separate Cluster clients with the same startup nodes, as a consumer's queue and store have
    const queue = new RedisBlockingQueue('alpha', { client: await client() });
    const same = new RedisDataStore('alpha', { client: await client() });
    const other = new RedisDataStore('beta', { client: await client() });
    closing.push(queue, same, other);
    const admin = await client();
    await queue.write('{"id":"c1"}');
    const data = (await queue.read(0))!;
    assert.equal(await queue.finish(data, other, 'c1', '"r"'), false);
    assert.equal(await other.peek('c1'), EmptyData);
    assert.deepEqual(await admin.lrange(`${queue.key}.processing.${queue.consumerId}`, 0, -1), [data], 'still claimed');
    assert.equal(await queue.finish(data, same, 'c1', '"r"'), true);
    assert.equal(await same.get('c1'), '"r"');
    assert.equal(await admin.exists(`${queue.key}.processing.${queue.consumerId}`), 0);
  });
});
