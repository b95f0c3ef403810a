/**
 * The consumer's command line, run as users run it: a real process started
 * with `node bin/huey-consumer.js`, in a scratch app.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, eventually, scratchPackage, sleep, type ScratchPackage } from './helpers.js';

const CLI = join(REPO_ROOT, 'bin', 'huey-consumer.js');

/** A memory-backed app whose config enqueues `HUEY_TEST_CALLS` calls of countBeans (each `HUEY_TEST_MS` long) when loaded. */
const APP = {
  'config.js': `
import { MemoryQueue } from 'huey/backends/memory';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
export const queue = new MemoryQueue('test-queue');
export const invoker = new Invoker(queue);
export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
}
`,
  'commands.js': `
import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';
import { shout } from './helper.js';
export const countBeans = queueCommand(invoker)(async function countBeans(num) {
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.HUEY_TEST_MS ?? 0)));
  console.log(shout('Counted ' + num + ' beans'));
});
`,
  'helper.js': `export const shout = (text) => text;\n`,
  'main.js': `
import { countBeans } from './commands.js';
export { Configuration } from './config.js';
// the consumer imports this module too: enqueue from inside it, so calls reach its in-memory queue
const calls = Number(process.env.HUEY_TEST_CALLS ?? 0);
for (let n = 1; n <= calls; n++) await countBeans(n);
if (process.env.HUEY_TEST_EVERY) setInterval(() => countBeans(0), Number(process.env.HUEY_TEST_EVERY)).unref();
`,
  'broken.js': `throw new Error('boom at import');\n`,
  'app/settings.js': `export { Configuration } from '../config.js';\nimport '../commands.js';\n`,
  'src/app.ts': `export { Configuration } from './config.js';\n`,
  // config.js importing its commands: commands.js runs first and meets an invoker not made yet
  'cycle/config.js': `
import { MemoryQueue } from 'huey/backends/memory';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
import './commands.js';
export const invoker = new Invoker(new MemoryQueue('cycle'));
export class Configuration extends BaseConfiguration {
  static QUEUE = invoker.queue;
}
`,
  'cycle/commands.js': `
import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';
export const tally = queueCommand(invoker)(function tally(n) { return n; });
`,
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running consumer process whose output is collected. */
class Cli {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Run>;
  constructor(args: string[], cwd: string, env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve({ code, stdout: this.stdout, stderr: this.stderr })));
  }
  waitFor(pattern: RegExp, where: 'stdout' | 'stderr' = 'stderr', timeoutMs = 30_000): Promise<unknown> {
    return eventually(() => pattern.test(this[where]), `${pattern} in ${where}; got:\n${this[where]}`, timeoutMs);
  }
}

const run = (args: string[], cwd: string, env?: Record<string, string>): Promise<Run> => new Cli(args, cwd, env).exited;

describe('huey-consumer', () => {
  let app: ScratchPackage;
  const alive: Cli[] = [];
  const start = (args: string[], env?: Record<string, string>): Cli => {
    const cli = new Cli(args, app.path, env);
    alive.push(cli);
    return cli;
  };
  before(async () => {
    app = await scratchPackage(APP);
  });
  after(async () => {
    for (const cli of alive) cli.child.kill('SIGKILL');
    await app.remove();
  });

  test('without an argument it prints the usage and exits 1', async () => {
    const { code, stderr } = await run([], app.path);
    assert.equal(code, 1);
    assert.match(stderr, /^Usage: huey-consumer \[options\] <config>/);
  });

  test('--help shows every option with its default and exits 0', async () => {
    const { code, stdout } = await run(['--help'], app.path);
    assert.equal(code, 0);
    for (const option of ['-k, --worker-type <type>', '-t, --threads <n>', '-l, --logfile <file>', '-v, --verbose', '-q, --quiet', '--periodic', '--no-periodic', '-r, --reload', '-p, --path <dir>']) {
      assert.ok(stdout.includes(option), `--help lacks ${option}`);
    }
    assert.match(stdout, /how many calls run at once \(default: THREADS, 1\)/);
    assert.match(stdout, /\(default: PERIODIC, false\)/);
  });

  test('a module that cannot be found: Unable to import "X", exit 1', async () => {
    const { code, stderr } = await run(['nope.Configuration'], app.path);
    assert.equal(code, 1);
    assert.match(stderr, /^Unable to import "nope"\nNo file nope\.js, \.mjs or \.cjs in /);
  });

  test('a module that throws while loading: Unable to import "X" with the error on the next line, exit 1', async () => {
    const { code, stderr } = await run(['broken.Configuration'], app.path);
    assert.equal(code, 1);
    assert.match(stderr, /^Unable to import "broken"\nError: boom at import/);
  });

  test('a module without the attribute: Missing module-level "X", exit 1', async () => {
    const { code, stderr } = await run(['main.Nope'], app.path);
    assert.equal(code, 1);
    assert.match(stderr, /^Missing module-level "Nope"\nmain: export it/);
  });

  test('a misspelt attribute or module is answered with did you mean, exit 1', async () => {
    const attribute = await run(['main.Configuraton'], app.path);
    assert.equal(attribute.code, 1);
    assert.match(attribute.stderr, /^Missing module-level "Configuraton"\nmain: did you mean "Configuration"\? It exports .*Configuration/);
    const module = await run(['mian.Configuration'], app.path);
    assert.equal(module.code, 1);
    assert.match(module.stderr, /^Unable to import "mian"\nNo file mian\.js, \.mjs or \.cjs in .*: did you mean "main"\?\n/);
  });

  test('a configuration module found only as TypeScript source is answered with how to compile and point at it, exit 1', async () => {
    const { code, stderr } = await run(['-p', 'src', 'app.Configuration'], app.path);
    assert.equal(code, 1);
    assert.match(stderr, /^Unable to import "app"\nNo file app\.js, \.mjs or \.cjs in .*: \S*src\/app\.ts is TypeScript; compile it \(tsc\) and point the consumer at the compiled module, e\.g\. huey-consumer -p dist app\.Configuration\n/);
  });

  test('an import cycle between config and commands is named as such, with the modules and the cure, exit 1', async () => {
    const { code, stderr } = await run(['cycle.config.Configuration'], app.path);
    assert.equal(code, 1);
    assert.equal(
      stderr.split('\n').slice(0, 2).join('\n'),
      'Unable to import "cycle.config": an import cycle: commands.js uses "invoker" from ./config.js before ./config.js has finished loading, ' +
        'because ./config.js imports commands.js (directly or through other modules) while it loads.\n' +
        'Keep the layout of docs/imports.md: config.js makes the queue and the invoker and imports no commands; commands.js imports the invoker from config.js; main.js imports both and re-exports Configuration.',
    );
  });

  test('a bad option value or an unknown option is a clear error, exit 1', async () => {
    const threads = await run(['main.Configuration', '--threads', '0'], app.path);
    assert.equal(threads.code, 1);
    assert.match(threads.stderr, /option '-t, --threads <n>' argument '0' is invalid\. expected a positive integer, got "0"/);
    const unknown = await run(['main.Configuration', '--bogus'], app.path);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown option '--bogus'/);
  });

  test('start-up logs the registered commands, runs the queue, and SIGTERM exits 0', async () => {
    const cli = start(['main.Configuration'], { HUEY_TEST_CALLS: '2' });
    await cli.waitFor(/Counted 2 beans/, 'stdout');
    assert.match(cli.stderr, /INFO  huey initialized with following commands\n.*INFO  \+ commands\.countBeans\n/);
    cli.child.kill('SIGTERM');
    const { code } = await cli.exited;
    assert.equal(code, 0);
  });

  test('a dotted path resolves as Python would: app.settings.Configuration is app/settings.js, also through --path', async () => {
    const cli = start(['app.settings.Configuration', '--path', app.path], { HUEY_TEST_CALLS: '0' });
    cli.child.kill('SIGTERM');
    await cli.exited;
    const elsewhere = new Cli(['app.settings.Configuration', '--path', app.path], REPO_ROOT);
    alive.push(elsewhere);
    await elsewhere.waitFor(/\+ commands\.countBeans/);
    elsewhere.child.kill('SIGTERM');
    assert.equal((await elsewhere.exited).code, 0);
  });

  test('SIGTERM lets the call in flight finish before exiting 0', async () => {
    const cli = start(['main.Configuration'], { HUEY_TEST_CALLS: '1', HUEY_TEST_MS: '500' });
    await cli.waitFor(/consumer started/);
    await sleep(100);
    cli.child.kill('SIGTERM');
    const { code, stdout, stderr } = await cli.exited;
    assert.equal(code, 0);
    assert.match(stdout, /Counted 1 beans/);
    assert.match(stderr, /SIGTERM received: finishing calls in flight/);
    assert.match(stderr, /consumer stopped/);
  });

  test('a second SIGINT stops the calls in flight at once, puts them back and exits 0', async () => {
    const cli = start(['main.Configuration'], { HUEY_TEST_CALLS: '1', HUEY_TEST_MS: '5000' });
    await cli.waitFor(/consumer started/);
    await sleep(100);
    const started = Date.now();
    cli.child.kill('SIGINT');
    await cli.waitFor(/SIGINT received/);
    cli.child.kill('SIGINT');
    const { code, stdout } = await cli.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 4000, 'it did not wait for the call');
    assert.doesNotMatch(stdout, /Counted/);
    assert.match(cli.stderr, /SIGINT again: stopping the calls in flight now; they go back to the queue/);
  });

  test('-q logs only warnings and errors; -v adds debug lines', async () => {
    const quiet = start(['main.Configuration', '-q'], { HUEY_TEST_CALLS: '1' });
    await quiet.waitFor(/Counted 1 beans/, 'stdout');
    quiet.child.kill('SIGTERM');
    await quiet.exited;
    assert.doesNotMatch(quiet.stderr, /INFO/);
    const verbose = start(['main.Configuration', '-v'], { HUEY_TEST_CALLS: '1' });
    await verbose.waitFor(/DEBUG executing commands\.countBeans/);
    verbose.child.kill('SIGTERM');
    await verbose.exited;
  });

  test('--logfile appends the log to a file that rotates at 1 MiB, keeping 3', async () => {
    const logfile = join(app.path, 'huey.log');
    await writeFile(logfile, 'x'.repeat(1024 * 1024 - 10) + '\n');
    for (const n of [1, 2, 3]) await writeFile(`${logfile}.${n}`, `old ${n}\n`);
    const cli = start(['main.Configuration', '--logfile', logfile]);
    await cli.waitFor(/consumer started/);
    cli.child.kill('SIGTERM');
    await cli.exited;
    assert.match(await readFile(logfile, 'utf8'), /^.*INFO  huey initialized with following commands/);
    assert.equal(statSync(`${logfile}.1`).size, 1024 * 1024 - 9, 'the full file became huey.log.1');
    assert.equal(await readFile(`${logfile}.2`, 'utf8'), 'old 1\n');
    assert.equal(await readFile(`${logfile}.3`, 'utf8'), 'old 2\n');
    assert.ok(!existsSync(`${logfile}.4`), 'more than 3 old files kept');
  });

  test('--reload with thread workers starts fresh workers, which import the changed helper', async () => {
    const cli = start(['main.Configuration', '--reload', '-k', 'thread', '-t', '2'], { HUEY_TEST_EVERY: '100' });
    await cli.waitFor(/reload: watching \d+ files/);
    assert.equal((cli.stderr.match(/worker thread \d+ imported main\.js/g) ?? []).length, 2);
    await cli.waitFor(/Counted 0 beans/, 'stdout');
    await writeFile(join(app.path, 'helper.js'), `export const shout = (text) => 'fresh ' + text;\n`);
    await cli.waitFor(/reloaded commands\.js: ~commands\.countBeans/);
    await cli.waitFor(/fresh Counted 0 beans/, 'stdout');
    await eventually(() => (cli.stderr.match(/worker thread \d+ imported main\.js/g) ?? []).length === 4, 'two fresh workers');
    await writeFile(join(app.path, 'helper.js'), APP['helper.js']);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);
  });

  test('--reload re-imports a changed command module, and a changed helper it imports takes effect', async () => {
    const cli = start(['main.Configuration', '--reload'], { HUEY_TEST_EVERY: '100' });
    await cli.waitFor(/reload: watching \d+ files/);
    await cli.waitFor(/Counted 0 beans/, 'stdout');
    await writeFile(join(app.path, 'helper.js'), `export const shout = (text) => text.toUpperCase() + '!';\n`);
    await cli.waitFor(/reloaded commands\.js: ~commands\.countBeans/);
    await cli.waitFor(/COUNTED 0 BEANS!/, 'stdout');
    const commands = await readFile(join(app.path, 'commands.js'), 'utf8');
    await writeFile(join(app.path, 'commands.js'), commands + `export const newOne = queueCommand(invoker)(function newOne() {});\n`);
    await cli.waitFor(/reloaded commands\.js: ~commands\.countBeans \+commands\.newOne/);
    await writeFile(join(app.path, 'commands.js'), commands + 'syntax error(\n');
    await cli.waitFor(/reload of commands\.js failed, the old code keeps running: SyntaxError/);
    const count = (cli.stdout.match(/COUNTED/g) ?? []).length;
    await eventually(() => (cli.stdout.match(/COUNTED/g) ?? []).length > count, 'calls to go on running the old code');
    await writeFile(join(app.path, 'config.js'), (await readFile(join(app.path, 'config.js'), 'utf8')) + '\n');
    await cli.waitFor(/config\.js changed: the configuration is read only at start-up, restart the consumer/);
    await writeFile(join(app.path, 'commands.js'), commands);
    await writeFile(join(app.path, 'helper.js'), APP['helper.js']);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);
  });
});
