/**
 * Mistakes and forgeries, in real processes: a forged command name, start-up
 * mistakes that must be one line and exit 1, and the inspect CLI's refusals.
 * Each shows the error text and that no queued message disappeared.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, eventually, freePort, runNode, scratchPackage, type ScratchPackage } from './helpers.js';

const CONSUMER = join(REPO_ROOT, 'bin', 'huey-consumer.js');
const HUEY = join(REPO_ROOT, 'bin', 'huey.js');

const CONFIG = `
import { FileDataStore, FileQueue } from 'huey/backends/file';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
const path = new URL('./.huey', import.meta.url).pathname;
export const queue = new FileQueue('jobs', { path });
export const results = new FileDataStore('results', { path });
export const invoker = new Invoker(queue, { resultStore: results });
export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static RESULT_STORE = results;
}
`;

let app: ScratchPackage;
before(async () => {
  app = await scratchPackage({
    'config.js': CONFIG,
    'commands.js': `
import { appendFileSync } from 'node:fs';
import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';
export const mark = queueCommand(invoker)(function mark(n) {
  appendFileSync(new URL('./ran.log', import.meta.url), n + '\\n');
  return n;
});
`,
    'main.js': `import './commands.js';\nexport { Configuration } from './config.js';\n`,
    'null-queue.js': `import { BaseConfiguration } from 'huey/bin/config';\nexport class Configuration extends BaseConfiguration { static QUEUE = null; }\n`,
  });
  // outside code that a symlink inside the app points to
  await mkdir(join(app.path, '..', `${app.path.split('/').pop()}-outside`), { recursive: true });
});
after(() => app.remove());

const huey = (...args: string[]) => runNode([HUEY, ...args], { cwd: app.path });
const waitingIds = async (): Promise<string[]> => JSON.parse((await huey('peek', 'main.Configuration', '--json', '-n', '100')).stdout).map((m: { id: string }) => m.id);

describe('a forged command name', () => {
  test('naming huey\'s own CLI under node_modules/ is dead-lettered unimported; the consumer lives on and runs the next call', async () => {
    const forged = await huey('enqueue', 'main.Configuration', 'node_modules/huey/bin/huey.x', '--json');
    assert.equal(forged.code, 0, forged.stderr);
    const good = await huey('enqueue', 'main.Configuration', 'commands.mark', '7', '--json');
    const consumer = spawn(process.execPath, [CONSUMER, 'main.Configuration'], { cwd: app.path, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    consumer.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => consumer.on('exit', resolve));
    try {
      await eventually(() => log.includes('consumer started') && (JSON.parse(good.stdout).taskId as string), 'the consumer to start');
      const info = async (): Promise<{ deadLetters: number; waiting: number }> => JSON.parse((await huey('info', 'main.Configuration', '--json')).stdout);
      await eventually(async () => (await info()).deadLetters === 1, 'the dead letter', 15_000);
      await eventually(async () => (await info()).waiting === 0, 'the good call to run', 15_000);
      assert.equal(consumer.exitCode, null, `the consumer died: ${log}`);
      assert.match(log, /ERROR QueueException: node_modules\/huey\/bin\/huey\.x not imported: its module is under node_modules\/, not part of the app/);
      const letters = await huey('dead-letters', 'main.Configuration', 'list', '--json');
      assert.match(letters.stdout, /not imported: its module is under node_modules/);
    } finally {
      consumer.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
    await huey('dead-letters', 'main.Configuration', 'purge');
  });

  test('a symlink inside the app to a module outside is not followed: the call is dead-lettered, the outside module never runs', async () => {
    const outside = join(app.path, '..', `${app.path.split('/').pop()}-outside`);
    await writeFile(join(outside, 'evil.js'), `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(join(app.path, 'evil.log'))}, 'ran\\n');\n`);
    await symlink(join(outside, 'evil.js'), join(app.path, 'linked.js'));
    await huey('enqueue', 'main.Configuration', 'linked.run');
    const consumer = spawn(process.execPath, [CONSUMER, 'main.Configuration'], { cwd: app.path, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    consumer.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => consumer.on('exit', resolve));
    try {
      await eventually(() => log.includes("linked.run not imported: its module resolves (through a symlink) outside the app's package root"), 'the refusal', 15_000);
      assert.deepEqual(await waitingIds(), []);
    } finally {
      consumer.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
    const letters = JSON.parse((await huey('dead-letters', 'main.Configuration', 'list', '--json')).stdout) as { reason: string }[];
    assert.equal(letters.length, 1);
    await huey('dead-letters', 'main.Configuration', 'purge');
  });
});

describe('start-up mistakes are one line and exit 1, and the queue keeps its messages', () => {
  const consumerRun = (module: string, ...extra: string[]) => runNode([CONSUMER, module, ...extra], { cwd: app.path });

  test('QUEUE = null names the attribute and the fix', async () => {
    const run = await consumerRun('null-queue.Configuration');
    assert.equal(run.code, 1);
    assert.equal(run.stderr, "`QUEUE` is null, not a queue: set it to a backend, e.g. static QUEUE = new FileQueue('tasks', { path: './huey-data' })\n");
  });

  test('a log file in a folder that does not exist is one line, no stack trace, and the waiting call stays', async () => {
    await huey('enqueue', 'main.Configuration', 'commands.mark', '1');
    const before = await waitingIds();
    const run = await consumerRun('main.Configuration', '-l', '/nonexistent/dir/x.log');
    assert.equal(run.code, 1);
    assert.equal(run.stderr, '`LOGFILE` "/nonexistent/dir/x.log" cannot be used: its folder does not exist; create the folder or choose another file (--logfile)\n');
    assert.deepEqual(await waitingIds(), before);
    await huey('flush', 'main.Configuration', '--yes');
  });

  test('a Redis on a wrong port is one line naming host:port and the cause, within 10 s', async () => {
    const port = await freePort();
    await writeFile(join(app.path, 'wrong-port.js'), `import { RedisBlockingQueue } from 'huey/backends/redis';\nimport { BaseConfiguration } from 'huey/bin/config';\nexport class Configuration extends BaseConfiguration { static QUEUE = new RedisBlockingQueue('t', { host: '127.0.0.1', port: ${port} }); }\n`);
    const run = await consumerRun('wrong-port.Configuration');
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `QueueException: Cannot reach queue "t": Could not read the length of queue "t": Redis at 127.0.0.1:${port} refused the connection (ECONNREFUSED): is redis-server running there?\n`);
  });

  test('a server that accepts and never answers is one line saying it did not answer in time, not a hang', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      await writeFile(join(app.path, 'silent.js'), `import { RedisBlockingQueue } from 'huey/backends/redis';\nimport { BaseConfiguration } from 'huey/bin/config';\nexport class Configuration extends BaseConfiguration { static QUEUE = new RedisBlockingQueue('t', { host: '127.0.0.1', port: ${port} }); }\n`);
      const run = await consumerRun('silent.Configuration');
      assert.equal(run.code, 1);
      assert.match(run.stderr, new RegExp(`^QueueException: Cannot reach queue "t": Could not read the length of queue "t": Redis at 127\\.0\\.0\\.1:${port} did not answer in time .*\\n$`));
      assert.equal(run.stderr.split('\n').length, 2, 'one line');
    } finally {
      silent.close();
    }
  });
});

describe('the inspect CLI', () => {
  test('flush with standard input closed says why and exits 1, removing nothing', async () => {
    await huey('enqueue', 'main.Configuration', 'commands.mark', '2');
    const before = await waitingIds();
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [HUEY, 'flush', 'main.Configuration'], { cwd: app.path, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /huey: no answer: standard input is closed; pass --yes to go on without asking\n$/);
    assert.deepEqual(await waitingIds(), before);
    await huey('flush', 'main.Configuration', '--yes');
  });

  test('trace of an id that cannot be one says so, instead of blaming the backend', async () => {
    const run = await huey('trace', 'main.Configuration', '../../etc/passwd');
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'huey: "../../etc/passwd" is not a task id: an id may hold only letters, digits and _ . : -\n');
  });

  test('peek shows control characters of arguments escaped, so a message cannot repaint the terminal', async () => {
    await huey('enqueue', 'main.Configuration', 'commands.mark', '"\\u001b[2Jgotcha\\nINFO forged"');
    const run = await huey('peek', 'main.Configuration');
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.stdout.includes('\u001b'), run.stdout);
    assert.match(run.stdout, /\\u001b\[2Jgotcha/);
    await huey('flush', 'main.Configuration', '--yes');
  });
});
