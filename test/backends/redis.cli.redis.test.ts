/**
 * End to end on Redis: producers and `huey-consumer` processes, as users
 * run them on several machines, sharing one Redis. Two consumers, one
 * killed with SIGKILL mid-run: every call runs and every result reaches
 * its producer; a scheduled call survives the kill of the consumer that
 * took it. A Redis test because the consumers share nothing but Redis.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REDIS, REPO_ROOT, eventually, redisSkipReason, scratchPackage, type ScratchPackage } from '../helpers.js';
import { deletePrefix, runScript, testPrefix } from './redis-helpers.js';

const skip = await redisSkipReason();
const CLI = join(REPO_ROOT, 'bin', 'huey-consumer.js');
const prefix = testPrefix();

const APP = {
  'config.js': `
import { RedisBlockingQueue, RedisDataStore } from 'huey/backends/redis';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
// a long command timeout: on a busy test machine a reply can take seconds
const connection = { host: '${REDIS.host}', port: ${REDIS.port}, prefix: '${prefix}', commandTimeout: 30 };
export const queue = new RedisBlockingQueue('jobs', connection);
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
export const record = queueCommand(invoker)(async function record(n, ms) {
  await new Promise((resolve) => setTimeout(resolve, ms));
  appendFileSync(new URL('./ran.log', import.meta.url), n + '\\n');
  return n * 2;
});
`,
  'main.js': `
import './commands.js';
export { Configuration } from './config.js';
`,
  // a producer closes its connections when done, or they keep the process alive
  'produce.js': `
import { record } from './commands.js';
import { queue, results } from './config.js';
const [count, ms, delay, first = 1] = process.argv.slice(2).map(Number);
const ids = [];
for (let n = first; n < first + count; n++) {
  const res = delay ? await record.schedule({ args: [n, ms], delay }) : await record(n, ms);
  ids.push(res.taskId);
}
console.log(JSON.stringify(ids));
await queue.close();
await results.close();
`,
  'get.js': `
import { AsyncData } from 'huey/queue';
import { queue, results } from './config.js';
const values = await Promise.all(JSON.parse(process.argv[2]).map((id) => new AsyncData(results, id).get({ blocking: true, timeout: 20 })));
console.log(values.join('\\n'));
await queue.close();
await results.close();
`,
};

class Consumer {
  readonly child: ChildProcess;
  stderr = '';
  readonly exited: Promise<number | null>;
  constructor(cwd: string) {
    this.child = spawn(process.execPath, [CLI, 'main.Configuration'], { cwd, stdio: ['ignore', 'inherit', 'pipe'] });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }
}

describe('huey-consumer processes on Redis', { skip }, () => {
  let app: ScratchPackage;
  const consumers: Consumer[] = [];
  const start = (): Consumer => {
    const consumer = new Consumer(app.path);
    consumers.push(consumer);
    return consumer;
  };
  const ran = (): string[] => (existsSync(join(app.path, 'ran.log')) ? readFileSync(join(app.path, 'ran.log'), 'utf8').trim().split('\n') : []);
  const produce = async (...args: number[]): Promise<string[]> => {
    const { code, stdout, stderr } = await runScript(['produce.js', ...args.map(String)], app.path);
    assert.equal(code, 0, stderr);
    return JSON.parse(stdout) as string[];
  };

  before(async () => {
    app = await scratchPackage(APP);
  });
  after(async () => {
    for (const consumer of consumers) consumer.child.kill('SIGKILL');
    await Promise.all(consumers.map((consumer) => consumer.exited));
    await app.remove();
    await deletePrefix(prefix);
  });

  test('two consumers share the calls; one killed with SIGKILL loses nothing, and every producer gets its result', async () => {
    const ids = await produce(200, 5);
    const [victim, survivor] = [start(), start()];
    await eventually(() => ran().length >= 40, 'forty calls to run', 30_000);
    victim.child.kill('SIGKILL');
    await victim.exited;
    await eventually(() => new Set(ran()).size === 200, 'every call to run once the victim claims are recovered', 30_000);
    const { code, stdout, stderr } = await runScript(['get.js', JSON.stringify(ids)], app.path);
    assert.equal(code, 0, stderr);
    assert.deepEqual(stdout.trim().split('\n').map(Number), ids.map((_, i) => (i + 1) * 2));
    survivor.child.kill('SIGTERM');
    assert.equal(await survivor.exited, 0);
  });

  test('a scheduled call survives a SIGKILL of the consumer; another consumer runs it at its eta', async () => {
    const first = start();
    await eventually(() => /consumer started/.test(first.stderr), 'the consumer to start', 30_000);
    // a number of its own: the first test's calls may run again here (at least once), this one must run after its eta
    await produce(1, 0, 2, 1000);
    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(!ran().includes('1000'), 'ran before its eta');
    const second = start();
    await eventually(() => ran().includes('1000'), 'the scheduled call to run after the restart', 30_000);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});
