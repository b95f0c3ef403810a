/**
 * Redis Sentinel, for real: a master, a replica and three Sentinels, each
 * a redis-server of the test's own on a free loopback port, configured as
 * docs/backends.md recommends (`min-replicas-to-write 1`). A `huey-consumer`
 * process and a producer process reach Redis only through the Sentinels;
 * `SENTINEL FAILOVER` promotes the replica while calls flow, and every call
 * still runs (at least once) and every result reaches the producer. A Redis
 * test because it needs the redis-server binary; it never touches the
 * shared Redis.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { REPO_ROOT, eventually, freePort, redisSkipReason, scratchDir, scratchPackage, type ScratchPackage } from '../helpers.js';

const skip = await redisSkipReason();
const CLI = join(REPO_ROOT, 'bin', 'huey-consumer.js');
const MASTER_NAME = 'huey';
const CALLS = 300;
let set: Awaited<ReturnType<typeof startSentinelSet>>;

/** A process of the test's own, with what it printed. */
class Proc {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | string>;
  constructor(command: string, args: string[], cwd?: string) {
    this.child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  }
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** A client for looking at one server, patient while it starts. */
function admin(port: number): Redis {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
  client.on('error', () => undefined);
  return client;
}

async function ask<T>(port: number, run: (client: Redis) => Promise<T>): Promise<T> {
  const client = admin(port);
  try {
    return await run(client);
  } finally {
    client.disconnect();
  }
}

/** A master, its replica and three Sentinels watching them, on free ports in `dir`. */
async function startSentinelSet(dir: string, running: Proc[]): Promise<{ master: number; replica: number; sentinels: number[] }> {
  const [master, replica, ...sentinels] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()] as [number, number, ...number[]];
  // refuse writes no replica takes: a write the old master accepts after the promotion would be lost, so it is refused instead
  const server = (port: number, ...more: string[]): Proc =>
    new Proc('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--min-replicas-to-write', '1', '--min-replicas-max-lag', '10', ...more]);
  running.push(server(master), server(replica, '--replicaof', '127.0.0.1', String(master)));
  await eventually(() => ask(replica, async (client) => (await client.info('replication')).includes('master_link_status:up')), 'the replica to sync', 30_000);
  for (const port of sentinels) {
    const file = join(dir, `sentinel-${port}.conf`);
    await writeFile(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 2000`,
        `sentinel failover-timeout ${MASTER_NAME} 20000`,
        '',
      ].join('\n'),
    );
    running.push(new Proc('redis-server', [file, '--sentinel']));
  }
  // a forced failover needs a Sentinel that knows a healthy replica; each learns of it from the master's INFO
  for (const port of sentinels) {
    await eventually(
      () =>
        ask(port, async (client) => {
          const replicas = (await client.call('SENTINEL', 'REPLICAS', MASTER_NAME)) as string[][];
          return replicas.some((fields) => fields.includes(String(replica)) && fields[fields.indexOf('flags') + 1] === 'slave' && fields[fields.indexOf('master-link-status') + 1] === 'ok');
        }),
      `Sentinel ${port} to know the replica`,
      30_000,
    );
  }
  return { master, replica, sentinels };
}

const masterPort = (sentinel: number): Promise<number> =>
  ask(sentinel, async (client) => Number(((await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as string[])[1]));

/** The app: a queue and a result store reached through the Sentinels, a command that records its runs. */
function app(sentinels: number[]): Record<string, string> {
  return {
    'config.js': `
import { RedisBlockingQueue, RedisDataStore } from 'huey/backends/redis';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
const connection = {
  sentinel: { name: '${MASTER_NAME}', sentinels: ${JSON.stringify(sentinels.map((port) => ({ host: '127.0.0.1', port })))} },
  // a busy test machine can take seconds to answer
  commandTimeout: 30,
};
// a write resolves once the replica has it too: a failover cannot lose it
export const queue = new RedisBlockingQueue('jobs', { ...connection, waitForReplicas: 1 });
export const results = new RedisDataStore('jobs', connection);
export const invoker = new Invoker(queue, { resultStore: results });
export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static RESULT_STORE = results;
  static THREADS = 4;
}
`,
    'commands.js': `
import { appendFileSync } from 'node:fs';
import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';
export const record = queueCommand(invoker)(function record(n) {
  appendFileSync(new URL('./ran.log', import.meta.url), n + '\\n');
  return n * 2;
});
`,
    'main.js': `
import './commands.js';
export { Configuration } from './config.js';
`,
    // A write refused during the failover rejects; the producer tries it again, as an application
    // should, then waits for every result. It prints one line per call sent, then the results.
    'produce.js': `
import { record } from './commands.js';
import { queue, results } from './config.js';
const count = Number(process.argv[2]);
const handles = [];
let refused = 0;
for (let n = 1; n <= count; n++) {
  for (;;) {
    try {
      handles.push(await record(n));
      break;
    } catch (error) {
      refused++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  console.log('sent ' + n);
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const values = [];
for (const handle of handles) values.push(await handle.get({ blocking: true, timeout: 120 }));
console.log('refused ' + refused);
console.log('results ' + JSON.stringify(values));
await queue.close();
await results.close();
`,
  };
}

/** Says, for a failed run, which calls did not run and where their messages are. */
async function whereAreThey(output: string, ran: number[], consumerOutput: string): Promise<string> {
  const runs = new Set(ran);
  const missing = Array.from({ length: CALLS }, (_, i) => i + 1).filter((n) => !runs.has(n));
  const stuck = /No result for task (\S+)/.exec(output)?.[1];
  const look = (port: number): Promise<Record<string, unknown>> =>
    ask(port, async (client) => {
      const found: Record<string, unknown> = { role: /role:(\w+)/.exec(await client.info('replication'))?.[1] };
      for (const key of await client.keys('huey.redis.*')) {
        if (key.includes('.results.')) continue;
        found[key] = (await client.type(key)) === 'list' ? await client.lrange(key, 0, -1) : await client.type(key);
      }
      if (stuck !== undefined) found.stuck = await client.get(`huey.redis.results.{jobs}.${stuck}`);
      return found;
    });
  const keys = { master: await look(set.master), replica: await look(set.replica) };
  return `producer: ${output.split('\n').filter((line) => !line.startsWith('sent ')).join('\n')}\nnot run: ${missing.join(', ')}\nservers: ${JSON.stringify(keys)}\nconsumer: ${consumerOutput}`;
}

describe('huey-consumer and a producer through Redis Sentinel', { skip }, () => {
  const running: Proc[] = [];
  let dir: Awaited<ReturnType<typeof scratchDir>>;
  let pkg: ScratchPackage;

  before(async () => {
    dir = await scratchDir('huey-sentinel-');
    set = await startSentinelSet(dir.path, running);
    pkg = await scratchPackage(app(set.sentinels));
  });
  after(async () => {
    // the app first, then the servers it talks to
    for (const proc of running.reverse()) await proc.kill();
    await pkg?.remove();
    await dir?.remove();
  });

  test('SENTINEL FAILOVER while calls flow: the replica becomes the master, every call runs at least once and every result reaches the producer', async () => {
    const ran = (): number[] => (existsSync(join(pkg.path, 'ran.log')) ? readFileSync(join(pkg.path, 'ran.log'), 'utf8').trim().split('\n').map(Number) : []);
    const consumer = new Proc(process.execPath, [CLI, 'main.Configuration'], pkg.path);
    running.push(consumer);
    await eventually(() => consumer.output.includes('consumer started'), 'the consumer to start', 30_000);
    const producer = new Proc(process.execPath, ['produce.js', String(CALLS)], pkg.path);
    running.push(producer);

    await eventually(() => ran().length >= 50, 'fifty calls to run before the failover', 60_000);
    assert.equal(await masterPort(set.sentinels[0]!), set.master);
    assert.equal(await ask(set.sentinels[0]!, (client) => client.call('SENTINEL', 'FAILOVER', MASTER_NAME)), 'OK');
    await eventually(async () => (await masterPort(set.sentinels[0]!)) === set.replica, 'the Sentinels to promote the replica', 60_000);
    const ranAtSwitch = ran().length;
    const sentAtSwitch = (producer.output.match(/^sent /gm) ?? []).length;

    if ((await producer.exited) !== 0) assert.fail(await whereAreThey(producer.output, ran(), consumer.output));
    const values = JSON.parse(/^results (.*)$/m.exec(producer.output)![1]!) as number[];
    assert.deepEqual(values, Array.from({ length: CALLS }, (_, i) => (i + 1) * 2), 'every result arrived');
    const runs = new Set(ran());
    assert.deepEqual([...runs].sort((a, b) => a - b), Array.from({ length: CALLS }, (_, i) => i + 1), 'every call ran');
    assert.ok(sentAtSwitch < CALLS && ranAtSwitch < CALLS, `the failover came after the calls had flowed (${sentAtSwitch} sent, ${ranAtSwitch} ran)`);
    // the old master follows the new one, where nothing is left waiting
    await eventually(() => ask(set.master, async (client) => (await client.info('replication')).includes(`master_port:${set.replica}`)), 'the old master to follow the new one', 60_000);
    assert.equal(await ask(set.replica, (client) => client.llen('huey.redis.{jobs}')), 0, 'nothing left waiting');
    consumer.child.kill('SIGTERM');
    assert.equal(await consumer.exited, 0, consumer.output);
  });
});
