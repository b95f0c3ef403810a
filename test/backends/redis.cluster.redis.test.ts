/**
 * The Redis backend on a Redis Cluster: a private cluster of three
 * redis-server masters on free ports, created with `redis-cli --cluster
 * create`, reached through an ioredis `Cluster` client. The backend
 * contract passes there only if every key one script touches shares a
 * slot (the `{name}` hash tag). A Redis test because it needs the real
 * redis-server binary; it never touches the shared Redis.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
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

let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;

backendContract({
  name: 'redis on a Redis Cluster',
  skip,
  async open() {
    cluster = await startCluster();
    const nodes = cluster.ports.map((port) => ({ host: '127.0.0.1', port }));
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
        await cluster?.stop();
      },
    };
  },
});
