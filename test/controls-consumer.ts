/**
 * The controls of calls end to end: a producer (this process, importing a
 * scratch app) and a real consumer process (`bin/huey-consumer.js`), as
 * users run them. Run on files (`controls.consumer.test.ts`) and Redis
 * (`controls.consumer.redis.test.ts`).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TaskException, type AsyncData, type Invoker, type PipelineFailure, type QueuedFunction } from 'huey';
import type { BaseQueue } from 'huey/backends/base';
import { AsyncData as Handle } from 'huey/queue';
import { main as inspect } from '../src/cli/inspect.js';
import { tracerOf } from '../src/observe/trace.js';
import { REPO_ROOT, eventually, scratchPackage, type ProcessBackend, type ScratchPackage } from './helpers.js';

const CONFIG = `
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
export const invoker = new Invoker(queue, { resultStore: store, trace: true });
export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static RESULT_STORE = store;
  static TRACE = true;
}
`;

const COMMANDS = `
import { appendFileSync } from 'node:fs';
import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';
const ran = (line) => appendFileSync(new URL('./ran.log', import.meta.url), line + '\\n');
export const record = queueCommand(invoker)(function record(label) { ran(label); return label; });
export const report = queueCommand(invoker, { lock: 'reports', retries: 20, retryDelay: 0.2 })(function report(day) { ran('report ' + day); return day; });
export const add = queueCommand(invoker)(function add(a, b) { return a + b; });
export const mul = queueCommand(invoker)(function mul(a, b) { return a * b; });
export const check = queueCommand(invoker)(function check(n) { if (n > 100) throw new RangeError(n + ' is too big'); return n; });
export const alert = queueCommand(invoker)(function alert(failure, who) { ran('alert ' + who + ' ' + failure.message); return who; });
`;

interface App {
  invoker: Invoker;
  queue: BaseQueue;
}
interface Commands {
  record: QueuedFunction<[string], string>;
  report: QueuedFunction<[string], string>;
  add: QueuedFunction<[number, number], number>;
  mul: QueuedFunction<[number, number], number>;
  check: QueuedFunction<[number], number>;
  alert: QueuedFunction<[PipelineFailure, string], string>;
}

const rejectsWith = (handle: AsyncData<unknown>, remoteName: string, message: RegExp): Promise<void> =>
  assert.rejects(handle.get({ blocking: true, timeout: 30 }), (error: unknown) => error instanceof TaskException && error.remoteName === remoteName && message.test(error.message));

export function controlsThroughConsumer(backend: ProcessBackend): void {
  describe(`controls of calls through a consumer process on ${backend.name}`, { skip: backend.skip ?? false }, () => {
    let pkg: ScratchPackage;
    let app: App;
    let commands: Commands;
    let consumer: ChildProcess | undefined;
    let stderr = '';
    const ran = (): string[] => (existsSync(join(pkg.path, 'ran.log')) ? readFileSync(join(pkg.path, 'ran.log'), 'utf8').trim().split('\n') : []);

    before(async () => {
      Object.assign(process.env, backend.env);
      pkg = await scratchPackage({ 'config.js': `${backend.backends}\n${CONFIG}`, 'commands.js': COMMANDS, 'main.js': "import './commands.js';\nexport { Configuration } from './config.js';\n" });
      app = (await import(pkg.url('config.js'))) as App;
      commands = (await import(pkg.url('commands.js'))) as Commands;
      await app.queue.flush();
    });
    after(async () => {
      if (consumer !== undefined && consumer.exitCode === null) {
        consumer.kill('SIGTERM');
        await new Promise((resolve) => consumer!.once('exit', resolve));
      }
      await tracerOf(app?.invoker)?.flush();
      await app?.queue.close?.();
      await app?.invoker.resultStore?.close?.();
      await pkg?.remove();
      await backend.cleanup?.();
    });

    test('calls waiting when the consumer starts run highest priority first, equal priorities in order', async () => {
      await commands.record('plain 1');
      await commands.record.schedule({ args: ['low'], priority: -5 });
      await commands.record.schedule({ args: ['urgent 1'], priority: 10 });
      await commands.record('plain 2');
      await commands.record.schedule({ args: ['urgent 2'], priority: 10 });
      await commands.record.schedule({ args: ['high'], priority: 3 });
      consumer = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'huey-consumer.js'), 'main.Configuration'], { cwd: pkg.path, env: { ...process.env, ...backend.env }, stdio: ['ignore', 'ignore', 'pipe'] });
      consumer.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
      await eventually(() => ran().length === 6, 'the six calls to run', 30_000);
      assert.deepEqual(ran(), ['urgent 1', 'urgent 2', 'high', 'plain 1', 'plain 2', 'low']);
    });

    test('a revoked command is not run: its handle rejects at once saying why; restore() lets the next run', async () => {
      await commands.record.revoke();
      const skipped = await commands.record('spam');
      await rejectsWith(skipped, 'TaskRevoked', /commands\.record is revoked and was not run/);
      await commands.record.restore();
      assert.equal(await (await commands.record('welcome')).get({ blocking: true, timeout: 30 }), 'welcome');
      assert.ok(!ran().includes('spam') && ran().includes('welcome'));
      await tracerOf(app.invoker)?.flush();
      let out = '';
      const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (out += t), keepOpen: true };
      await eventually(async () => {
        out = '';
        await inspect(['trace', 'main.Configuration', skipped!.taskId, '-p', pkg.path], io);
        return /\nnow: not run \(revoked at [\d:.]+\): commands\.record is revoked and was not run\n$/.test(out);
      }, 'huey trace to say why the call was not run');
    });

    test('a once revocation skips the next call only; res.revoke() skips that one call', async () => {
      await commands.record.revoke({ once: true });
      await rejectsWith(await commands.record('first'), 'TaskRevoked', /was not run/);
      const later = await commands.record.schedule({ args: ['later'], delay: 1 });
      await later!.revoke();
      assert.equal(await later!.isRevoked(), true);
      const second = await commands.record('second');
      assert.equal(await second!.get({ blocking: true, timeout: 30 }), 'second');
      await rejectsWith(later, 'TaskRevoked', new RegExp(`commands\\.record ${later!.taskId} was revoked`));
      assert.ok(!ran().includes('first') && !ran().includes('later'));
    });

    test('a call read after its expiry is not run, and its handle rejects saying when it expired', async () => {
      const stale = await commands.record.schedule({ args: ['stale'], expires: 0 });
      await rejectsWith(stale, 'TaskExpired', /commands\.record \S+ expired at \S+ and was not run/);
      assert.ok(!ran().includes('stale'));
    });

    test('a call of a locked command fails with TaskLockedException while the lock is held, and runs on a retry once it is free', async () => {
      let release!: () => void;
      const holding = app.invoker.lockTask('reports').run(() => new Promise<void>((resolve) => (release = resolve)));
      await eventually(() => app.invoker.isLocked('reports'), 'the lock to be held');
      const res = await commands.report('monday');
      await eventually(() => /TaskLockedException: Lock "reports" is held/.test(stderr), 'the consumer to find the lock held', 30_000);
      assert.ok(!ran().includes('report monday'));
      release();
      await holding;
      assert.equal(await res.get({ blocking: true, timeout: 30 }), 'monday');
      assert.equal(await app.invoker.isLocked('reports'), false);
    });

    test('a pipeline runs each step with the previous result first; group.get() gives every result in order', async () => {
      const group = await app.invoker.enqueue(commands.add.s(1, 2).then(commands.mul, 10).then(commands.check));
      assert.deepEqual(await group.get({ blocking: true, timeout: 30 }), [3, 30, 30]);
    });

    test('a step that fails for good runs the error step; the steps after it never run and their handles reject', async () => {
      const p = commands.add.s(1, 2).then(commands.mul, 100).then(commands.check).then(commands.mul, 2);
      p.error(commands.alert, 'ops');
      const group = await app.invoker.enqueue(p);
      await assert.rejects(group.get({ blocking: true, timeout: 30 }), (error: unknown) => error instanceof TaskException && error.remoteName === 'RangeError');
      await rejectsWith(group.handles[3], 'PipelineStopped', /step commands\.check \S+ of its pipeline failed \(RangeError: 300 is too big\)/);
      assert.equal(await new Handle<string>(app.invoker.resultStore, p.onError!.id).get({ blocking: true, timeout: 30 }), 'ops');
      assert.ok(ran().includes('alert ops 300 is too big'));
    });
  });
}
