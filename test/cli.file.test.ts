/**
 * End to end on the file backend: producer and consumer in separate
 * processes, as users run them, including a consumer killed with SIGKILL.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, eventually, runNode, scratchPackage, type ScratchPackage } from './helpers.js';

const CLI = join(REPO_ROOT, 'bin', 'huey-consumer.js');

const APP = {
  'config.js': `
import { FileDataStore, FileQueue } from 'huey/backends/file';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
const path = new URL('./.huey', import.meta.url).pathname;
export const queue = new FileQueue('jobs', { path, heartbeatTimeout: 2 });
export const results = new FileDataStore('results', { path });
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
  // not imported by main.js: the consumer finds it through its one dynamic import
  'tasks.js': `
import { appendFileSync } from 'node:fs';
import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';
export const late = queueCommand(invoker)(function late(n) {
  appendFileSync(new URL('./ran.log', import.meta.url), 'late ' + n + '\\n');
  return 'found';
});
`,
  'main.js': `
import './commands.js';
export { Configuration } from './config.js';
`,
  'produce.js': `
import { record } from './commands.js';
const [count, ms, delay] = process.argv.slice(2).map(Number);
const ids = [];
for (let n = 1; n <= count; n++) {
  const res = delay ? await record.schedule({ args: [n, ms], delay }) : await record(n, ms);
  ids.push(res.taskId);
}
console.log(JSON.stringify(ids));
`,
  'produce-late.js': `
import { late } from './tasks.js';
const res = await late(7);
console.log(res.taskId);
`,
  'get.js': `
import { AsyncData } from 'huey/queue';
import { results } from './config.js';
for (const id of JSON.parse(process.argv[2])) console.log(await new AsyncData(results, id).get({ blocking: true, timeout: 20 }));
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

describe('the consumer on the file backend', () => {
  let app: ScratchPackage;
  const consumers: Consumer[] = [];
  const start = (): Consumer => {
    const consumer = new Consumer(app.path);
    consumers.push(consumer);
    return consumer;
  };
  const ran = (): string[] => (existsSync(join(app.path, 'ran.log')) ? readFileSync(join(app.path, 'ran.log'), 'utf8').trim().split('\n') : []);
  const produce = async (...args: number[]): Promise<string[]> => {
    const { code, stdout, stderr } = await runNode(['produce.js', ...args.map(String)], { cwd: app.path });
    assert.equal(code, 0, stderr);
    return JSON.parse(stdout) as string[];
  };

  before(async () => {
    app = await scratchPackage(APP);
  });
  after(async () => {
    for (const consumer of consumers) consumer.child.kill('SIGKILL');
    await app.remove();
  });

  test('a consumer killed with SIGKILL mid-run loses nothing: after a restart every call has run', async () => {
    const ids = await produce(200, 5);
    const first = start();
    await eventually(() => ran().length >= 40, 'forty calls to run', 20_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = start();
    await eventually(() => new Set(ran()).size === 200, 'every call to run once the claims are recovered', 30_000);
    const { stdout } = await runNode(['get.js', JSON.stringify(ids)], { cwd: app.path });
    assert.deepEqual(stdout.trim().split('\n').map(Number), ids.map((_, i) => (i + 1) * 2));
    assert.match(second.stderr, /recovered \d+ messages of dead consumers/);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });

  test('a scheduled call survives a SIGKILL of the consumer that scheduled it', async () => {
    const before = ran().length;
    const first = start();
    await eventually(() => /consumer started/.test(first.stderr), 'the consumer to start', 20_000);
    await produce(1, 0, 2);
    const jobs = join(app.path, '.huey', 'queues', 'jobs');
    // scheduled, and its claim acknowledged: a kill between the two would rightly run it twice (at least once)
    const claims = (): number => readdirSync(join(jobs, 'claimed')).reduce((count, consumer) => count + readdirSync(join(jobs, 'claimed', consumer)).length, 0);
    await eventually(() => readdirSync(join(jobs, 'schedule')).length === 1 && claims() === 0, 'the call to wait in the schedule, its claim acknowledged', 20_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = start();
    // a survival test, not a race: a loaded machine may take its time (the consumer's log is in the failure)
    await eventually(() => ran().length === before + 1, 'the scheduled call to run after the restart', 30_000).catch((error: Error) => {
      throw new Error(`${error.message}; the second consumer said:\n${second.stderr}`);
    });
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });

  test('an unknown command makes the consumer import its module once, from the package root', async () => {
    const consumer = start();
    await eventually(() => /consumer started/.test(consumer.stderr), 'the consumer to start', 20_000);
    assert.doesNotMatch(consumer.stderr, /\+ tasks\.late/, 'main.js does not import tasks.js');
    const { stdout } = await runNode(['produce-late.js'], { cwd: app.path });
    const { stdout: result } = await runNode(['get.js', JSON.stringify([stdout.trim()])], { cwd: app.path });
    assert.equal(result.trim(), 'found');
    assert.ok(ran().includes('late 7'));
    consumer.child.kill('SIGTERM');
    assert.equal(await consumer.exited, 0);
  });
});
