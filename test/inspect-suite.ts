/**
 * The inspect CLI (`huey info|peek|trace|dead-letters|enqueue|flush`), one
 * suite run against every backend: a scratch app whose configuration
 * traces, a consumer driven with `step()` and an injected clock, and the
 * CLI's `main(argv, io)` called in the same process, so it loads the very
 * same queue objects.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { contractView } from './backends/contract-view.js';
import { after, before, describe, test } from 'node:test';
import type { BaseQueue } from 'huey/backends/base';
import type { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import type { QueuedFunction } from 'huey/decorators';
import type { Invoker } from 'huey/queue';
import { main } from '../src/cli/inspect.js';
import { tracerOf } from '../src/observe/trace.js';
import { REPO_ROOT, eventually, runNode, scratchPackage, type ScratchPackage } from './helpers.js';

/** A backend to run the suite on. */
export interface InspectBackend {
  /** Shown in the test names. */
  name: string;
  /** The body of `config.js`: it must export `queue`, `store` and `invoker` (with `trace: true`) and `Configuration` (with `TRACE = true`). */
  config: string;
  /** Environment the app's processes need (e.g. the queue's directory). */
  env?: () => Promise<Record<string, string>>;
  /** Can another process take a message (memory cannot: it lives in one process)? */
  shared: boolean;
  /** When set, why the suite is skipped. */
  skip?: string | undefined;
  /** Removes what the suite created. */
  cleanup?: () => Promise<void>;
}

const COMMANDS = `
import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';
export const add = queueCommand(invoker)(function add(a, b) { return a + b; });
export const flaky = queueCommand(invoker, { retries: 1, retryDelay: 30 })(function flaky() { throw new Error('flaky fails'); });
`;
const MAIN = `export { Configuration } from './config.js';\nimport './commands.js';\n`;
/** Takes one message and hangs, to be killed. */
const TAKER = `
import { queue } from './config.js';
const data = await queue.read(5000);
console.log(data === null ? 'nothing' : 'taken');
setInterval(() => {}, 1000);
`;

interface App {
  queue: BaseQueue;
  invoker: Invoker;
  Configuration: typeof BaseConfiguration;
}
interface Commands {
  add: QueuedFunction<[number, number], number>;
  flaky: QueuedFunction<[], never>;
}

/** What one run of the CLI printed. */
interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function inspectSuite(backend: InspectBackend): void {
  describe(`huey inspect CLI on ${backend.name}`, { skip: backend.skip ?? false }, () => {
    let pkg: ScratchPackage;
    let app: App;
    let commands: Commands;
    let env: Record<string, string> = {};
    let now = new Date('2030-01-01T12:00:00.000Z');
    const clock = (): Date => now;
    let consumer: Consumer;
    const answers: boolean[] = [];

    const huey = async (...argv: string[]): Promise<Run> => {
      await tracerOf(app.invoker)?.flush();
      let stdout = '';
      let stderr = '';
      const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t), confirm: async () => answers.shift() ?? false, keepOpen: true };
      const [sub, ...rest] = argv;
      const code = await main([sub!, 'main.Configuration', '-p', pkg.path, ...rest], io);
      return { code, stdout, stderr };
    };
    const json = async (...argv: string[]): Promise<Record<string, unknown>> => {
      const run = await huey(...argv, '--json');
      assert.equal(run.code, 0, run.stderr);
      return JSON.parse(run.stdout) as Record<string, unknown>;
    };
    /** Steps the consumer until it is idle. */
    const drain = async (): Promise<void> => {
      for (let i = 0; i < 20 && (await consumer.step()).kind !== 'idle'; i++);
    };

    before(async () => {
      env = (await backend.env?.()) ?? {};
      Object.assign(process.env, env);
      pkg = await scratchPackage({ 'config.js': backend.config, 'commands.js': COMMANDS, 'main.js': MAIN, 'taker.js': TAKER });
      app = (await import(pkg.url('config.js'))) as App;
      commands = (await import(pkg.url('commands.js'))) as Commands;
      await import(pkg.url('main.js'));
      consumer = new Consumer(app.invoker, app.Configuration, { logSink: () => {}, clock });
      await app.queue.flush();
      await contractView(app.queue).purgeDeadLetters?.();
    });
    after(async () => {
      await tracerOf(app?.invoker)?.flush();
      await app?.queue.close?.();
      await app?.Configuration.RESULT_STORE?.close?.();
      await pkg?.remove();
      await backend.cleanup?.();
    });

    test('trace of a task that succeeded shows its life line by line and "finished; result read at"', async () => {
      const res = await commands.add(1, 2);
      await drain();
      assert.equal(await res.get(), 3);
      const run = await huey('trace', res.taskId);
      assert.equal(run.code, 0, run.stderr);
      const events = run.stdout.split('\n').slice(1, -2).map((line) => line.split(/\s+/)[1]);
      assert.deepEqual(events, ['enqueued', 'received', 'started', 'finished', 'resultStored', 'resultRead']);
      assert.match(run.stdout, /^task \S+ \(commands\.add\)\n\d\d:\d\d:\d\d\.\d{3}  enqueued /);
      assert.match(run.stdout, /\nnow: finished; result read at \d\d:\d\d:\d\d\n$/);
    });

    test('trace --json gives the events and where the task is, for scripts', async () => {
      const res = await commands.add(2, 2);
      await drain();
      const data = await json('trace', res.taskId);
      assert.equal(data.taskId, res.taskId);
      assert.deepEqual((data.where as { state: string }).state, 'result');
      assert.equal(data.summary, 'finished; result waiting to be read');
      const events = data.events as { event: string; pid: number; host: string; time: string; payload: { taskId: string } }[];
      assert.equal(events[0]!.event, 'enqueued');
      assert.equal(events[0]!.pid, process.pid);
      assert.equal(events[0]!.payload.taskId, res.taskId);
      assert.ok(!Number.isNaN(Date.parse(events[0]!.time)));
      await res.get();
    });

    test('trace of a task waiting in the queue names its position', async () => {
      await commands.add(0, 0);
      const second = await commands.add(0, 1);
      const run = await huey('trace', second!.taskId);
      assert.match(run.stdout, /\nnow: waiting in the queue at position 2\n$/);
      await drain();
    });

    test('trace of a task that failed then was retried: failed, retrying, scheduled for its retry, then failed for good', async () => {
      now = new Date('2030-01-01T12:00:00.000Z');
      const res = await commands.flaky();
      assert.equal((await consumer.step()).kind, 'message'); // fails, retry enqueued for 12:00:30
      assert.match((await huey('trace', res.taskId)).stdout, /\nnow: waiting in the queue at position 1\n$/);
      await consumer.step(); // the retry is read and scheduled
      const scheduled = await huey('trace', res.taskId);
      assert.match(scheduled.stdout, /\n\S+ +failed +Error: flaky fails \(1 retries left\)/);
      assert.match(scheduled.stdout, /\n\S+ +retrying +again 12:00:30\.000, 0 retries left after it/);
      assert.match(scheduled.stdout, /\nnow: scheduled for 12:00:30 \(2030-01-01 12:00:30 UTC\)\n$/);
      now = new Date('2030-01-01T12:00:30.000Z');
      await consumer.step(); // fails for good: the error is stored
      assert.match((await huey('trace', res.taskId)).stdout, /\nnow: failed; the error is waiting to be read\n$/);
      await assert.rejects(res.get());
      assert.match((await huey('trace', res.taskId)).stdout, /\nnow: failed for good at \d\d:\d\d:\d\d: Error: flaky fails\n$/);
    });

    test('trace of a scheduled task says when it is due', async () => {
      now = new Date('2030-01-01T12:00:00.000Z');
      const res = await commands.add.schedule({ args: [1, 1], eta: new Date('2030-01-01T12:00:03.000Z') });
      await consumer.step();
      assert.match((await huey('trace', res.taskId)).stdout, /\nnow: scheduled for 12:00:03 \(2030-01-01 12:00:03 UTC\)\n$/);
      const info = await json('info');
      assert.equal(info.scheduled, 1);
      assert.equal(info.nextEta, '2030-01-01T12:00:03.000Z');
      now = new Date('2030-01-01T12:00:03.000Z');
      await drain();
      assert.equal(await res.get(), 2);
    });

    test('trace of a dead-lettered task gives the reason; dead-letters lists, requeues and purges it', async () => {
      const enqueued = await json('enqueue', 'commands.ghost', '1', '"two"');
      const taskId = enqueued.taskId as string;
      assert.deepEqual(enqueued.args, [1, 'two']);
      await drain();
      assert.match((await huey('trace', taskId)).stdout, /\nnow: in dead letters: commands\.ghost not found in CommandRegistry\n$/);
      const list = (await json('dead-letters', 'list')) as unknown as { id: string; call: string; reason: string }[];
      assert.deepEqual(
        list.map((d) => [d.id, d.call, d.reason]),
        [[taskId, 'commands.ghost(1, "two")', 'QueueException: commands.ghost not found in CommandRegistry']],
      );
      const human = await huey('dead-letters', 'list');
      assert.match(human.stdout, /^1 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC {2}\S+ {2}commands\.ghost\(1, "two"\)\n {3}QueueException: /);
      assert.equal((await huey('dead-letters', 'requeue', 'no-such-id')).code, 1);
      assert.deepEqual(await json('dead-letters', 'requeue', taskId), { requeued: 1 });
      assert.match((await huey('trace', taskId)).stdout, /\nnow: waiting in the queue at position 1\n$/);
      await drain();
      assert.deepEqual(await json('dead-letters', 'purge'), { purged: 1 });
      assert.equal((await huey('dead-letters', 'list')).stdout, 'no dead letters\n');
    });

    test('trace of a task taken by a killed consumer says its heartbeat stopped and it will be recovered', { skip: !backend.shared && 'one process is the whole world of this backend' }, async (t) => {
      const res = await commands.add(4, 4);
      const taker = spawn(process.execPath, [join(pkg.path, 'taker.js')], { cwd: pkg.path, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
      t.after(() => void taker.kill('SIGKILL'));
      let out = '';
      taker.stdout.on('data', (chunk: Buffer) => (out += chunk));
      await eventually(() => out.includes('taken'), 'the taker to take the message', 10_000);
      const taken = await huey('trace', res.taskId);
      assert.match(taken.stdout, /\nnow: taken by consumer \S+( \d+ s ago)?: running\n$/);
      const exited = new Promise((resolve) => taker.on('exit', resolve));
      taker.kill('SIGKILL');
      await exited;
      const killed = await huey('trace', res.taskId);
      assert.match(killed.stdout, /\nnow: taken by consumer \S+ whose heartbeat (stopped \d+ (s|min) ago|is gone): it will be recovered\n$/);
      const info = await json('info');
      assert.ok((info.consumers as { alive: boolean }[]).some((c) => !c.alive), 'the killed consumer is listed as dead');
      assert.equal(await app.queue.recover!(), 1);
      assert.match((await huey('trace', res.taskId)).stdout, /\nnow: waiting in the queue at position 1\n$/);
      await drain();
      assert.equal(await res.get(), 8);
    });

    test('info counts waiting, scheduled, in flight, dead letters and results, in words and in JSON', async () => {
      await drain();
      const a = await commands.add(1, 0);
      await commands.add(2, 0);
      const human = await huey('info');
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, new RegExp(`^queue "${app.queue.name}" \\(${app.queue.constructor.name}\\)\\n {2}waiting: {6}2\\n`));
      assert.match(human.stdout, /\n {2}dead letters: 0\n/);
      const data = await json('info');
      assert.equal(data.waiting, 2);
      assert.equal(data.deadLetters, 0);
      await drain();
      const after = await json('info');
      assert.equal(after.waiting, 0);
      if (after.results !== null) assert.ok((after.results as number) >= 2);
      await a!.get();
    });

    test('peek shows the next messages decoded, with the raw stored form beside, and -n limits them', async () => {
      const first = await commands.add(5, 6);
      await commands.add(7, 8);
      await commands.add(9, 10);
      const run = await huey('peek', '-n', '2');
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.split('\n');
      assert.equal(lines[0], `1  ${first!.taskId}  commands.add(5, 6)`);
      assert.equal(JSON.parse(lines[1]!.trim()).id, first!.taskId);
      assert.match(lines[2]!, /^2 {2}\S+ {2}commands\.add\(7, 8\)$/);
      assert.equal(lines.length, 5);
      const data = (await json('peek', '-n', '1')) as unknown as { position: number; id: string; raw: string }[];
      assert.deepEqual(data.map((m) => [m.position, m.id]), [[1, first!.taskId]]);
      await drain();
    });

    test('enqueue puts a call of a command from the shell; the consumer runs it; arguments that are not JSON are refused', async () => {
      const run = await huey('enqueue', 'commands.add', '20', '22');
      assert.match(run.stdout, /^enqueued commands\.add as task \S+\n$/);
      const taskId = run.stdout.trim().split(' ').pop()!;
      await drain();
      assert.match((await huey('trace', taskId)).stdout, /\nnow: finished; result waiting to be read\n$/);
      const bad = await huey('enqueue', 'commands.add', 'twenty');
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr, `huey: argument 1 is not JSON: twenty (quote text twice: '"text"')\n`);
    });

    test('info counts revoked calls and commands and held locks, naming them, and leaves the lines out when there are none', async () => {
      await commands.add.revoke();
      await app.invoker.revokeById('some-call');
      let release!: () => void;
      const holding = app.invoker.lockTask('nightly-report').run(() => new Promise<void>((resolve) => (release = resolve)));
      await eventually(() => app.invoker.isLocked('nightly-report'), 'the lock to be held');
      const human = await huey('info');
      assert.match(human.stdout, /\n {2}revoked: {6}2 \(command:commands\.add, task:some-call\)\n {2}locked: {7}1 \(nightly-report\)\n$/);
      const data = await json('info');
      assert.deepEqual(data.revoked, ['command:commands.add', 'task:some-call']);
      assert.deepEqual(data.locked, ['nightly-report']);
      release();
      await holding;
      await commands.add.restore();
      await app.invoker.restoreById('some-call');
      const after = await json('info');
      assert.deepEqual([after.revoked, after.locked], [[], []]);
      assert.doesNotMatch((await huey('info')).stdout, /revoked:|locked:/, 'nothing revoked or locked: the lines are left out');
    });

    test('enqueue --priority and --expires reach the message; peek shows them and the highest priority first', async () => {
      await app.queue.flush();
      await commands.add(1, 1);
      const run = await huey('enqueue', 'commands.add', '2', '2', '--priority', '5', '--expires', '60');
      assert.equal(run.code, 0, run.stderr);
      const taskId = run.stdout.trim().split(' ').pop()!;
      const peek = await huey('peek');
      assert.match(peek.stdout.split('\n')[0]!, new RegExp(`^1 {2}${taskId} {2}commands\\.add\\(2, 2\\) {2}priority 5 {2}expires \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC$`));
      const data = (await json('peek')) as unknown as { id: string; priority: number; expires: string | null }[];
      assert.deepEqual(data.map((m) => [m.priority, m.expires === null]), [[5, false], [0, true]]);
      for (const [option, value, message] of [
        ['--priority', 'high', 'Expected `priority` to be a finite number (higher runs first), got "high" (string)'],
        ['--priority', 'Infinity', 'Expected `priority` to be a finite number (higher runs first), got Infinity (number)'],
        ['--expires', '-5', 'Expected `expires` to be a non-negative number of seconds or a valid Date, got -5 (number)'],
      ]) {
        const bad = await huey('enqueue', 'commands.add', '1', '1', `${option}=${value}`);
        assert.equal(bad.code, 1);
        assert.equal(bad.stderr, `huey: ${message}\n`);
      }
      assert.equal(await app.queue.length(), 2, 'nothing enqueued by the refused calls');
      await app.queue.flush();
    });

    test('flush asks first and removes nothing when told no; with --yes it removes every waiting message', async () => {
      await commands.add(1, 1);
      await commands.add(1, 1);
      answers.push(false);
      const cancelled = await huey('flush');
      assert.equal(cancelled.code, 1);
      assert.equal(cancelled.stderr, 'huey: flush cancelled: nothing removed\n');
      assert.equal(await app.queue.length(), 2);
      answers.push(true);
      assert.equal((await huey('flush')).code, 0);
      assert.equal(await app.queue.length(), 0);
      await commands.add(1, 1);
      const yes = await huey('flush', '--yes');
      assert.equal(yes.stdout, `removed 1 waiting message from queue "${app.queue.name}"\n`);
    });

    test('an unknown task id is one clear line on stderr and exit code 1', async () => {
      const run = await huey('trace', 'no-such-task');
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /^huey: no task "no-such-task" in queue "[^"]+": not waiting, scheduled, taken or dead-lettered, no result waiting, and not in the trace( or the recent history)?\n$/);
    });

    test('bin/huey.js runs the same CLI as a process', async () => {
      const run = await runNode([join(REPO_ROOT, 'bin', 'huey.js'), 'info', 'main.Configuration', '--json'], { cwd: pkg.path, env: { ...process.env, ...env } });
      assert.equal(run.code, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as { queue: string }).queue, app.queue.name);
    });
  });
}
