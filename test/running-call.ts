/**
 * The running call end to end: a producer (this process, importing a
 * scratch app) and real `bin/huey-consumer.js` processes, on async, thread
 * and process workers. What a call sees (`currentTask()`), what stops it
 * (a timeout, a revoke, a shutdown), what survives a worker that must be
 * ended, and `MAX_DELIVERIES`. Run on files (`running-call.file.test.ts`)
 * and Redis (`running-call.redis.test.ts`).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { currentTask, TaskException, type AsyncData, type QueuedFunction } from 'huey';
import type { BaseQueue } from 'huey/backends/base';
import { main as inspect } from '../src/cli/inspect.js';
import { REPO_ROOT, eventually, scratchPackage, sleep, type ProcessBackend, type ScratchPackage } from './helpers.js';

const CONFIG = `
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
export const invoker = new Invoker(queue, { resultStore: store });
export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static RESULT_STORE = store;
  static THREADS = 2;
  static WORKER_TYPE = process.env.HUEY_TEST_WORKERS ?? 'async';
  static SHUTDOWN_TIMEOUT = 0.3;
  static MAX_DELIVERIES = 2;
}
`;

const COMMANDS = `
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { currentTask } from 'huey';
import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';
const ran = (line) => appendFileSync(new URL('./ran.log', import.meta.url), line + '\\n');
export const whoami = queueCommand(invoker)(function whoami() {
  const task = currentTask();
  return { id: task.id, name: task.name, attempt: task.attempt, deliveries: task.deliveries, signal: task.signal instanceof AbortSignal && !task.signal.aborted };
});
export const flaky = queueCommand(invoker, { retries: 1 })(function flaky() {
  if (currentTask().attempt === 1) throw new Error('the first try fails');
  return currentTask().attempt;
});
export const patient = queueCommand(invoker, { timeout: 0.3 })(async function patient(label) {
  const task = currentTask();
  await sleep(1500, undefined, { signal: task.signal }).catch(() => ran('stopped ' + label + ' ' + task.signal.reason.name));
  if (!task.signal.aborted) ran('done ' + label);
});
export const spin = queueCommand(invoker, { timeout: 0.3 })(function spin() {
  for (;;) {}
});
export const square = queueCommand(invoker)(function square(n) {
  return n * n;
});
export const count = queueCommand(invoker)(async function count(steps) {
  const task = currentTask();
  for (let done = 1; done <= steps; done++) {
    task.progress({ done, of: steps });
    await sleep(150);
  }
  return 'counted';
});
export const long = queueCommand(invoker)(async function long(label, ms) {
  const task = currentTask();
  ran('start ' + label + ' ' + task.deliveries);
  await sleep(ms, undefined, { signal: task.signal }).catch(() => ran('stopped ' + label + ' ' + task.signal.reason.name));
  if (!task.signal.aborted) ran('end ' + label);
  return task.deliveries;
});
export const hog = queueCommand(invoker)(function hog(label) {
  ran('hog ' + label + ' ' + currentTask().deliveries);
  for (;;) {}
});
`;

interface App {
  queue: BaseQueue;
  store: { close?(): Promise<void> };
}
interface Commands {
  whoami: QueuedFunction<[], { id: string; name: string; attempt: number; deliveries: number; signal: boolean }>;
  flaky: QueuedFunction<[], number>;
  patient: QueuedFunction<[string], void>;
  spin: QueuedFunction<[], never>;
  square: QueuedFunction<[number], number>;
  count: QueuedFunction<[number], string>;
  long: QueuedFunction<[string, number], number>;
  hog: QueuedFunction<[string], never>;
}

const rejectsWith = (handle: AsyncData<unknown>, remoteName: string, message: RegExp, timeout = 30): Promise<void> =>
  assert.rejects(handle.get({ blocking: true, timeout }), (error: unknown) => error instanceof TaskException && error.remoteName === remoteName && message.test(error.message));

/** CPU seconds a process has used, from /proc (user and system). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function runningCallThroughConsumer(backend: ProcessBackend): void {
  describe(`the running call through consumer processes on ${backend.name}`, { skip: backend.skip ?? false }, () => {
    let pkg: ScratchPackage;
    let app: App;
    let commands: Commands;
    const consumers = new Set<ChildProcess>();
    const ran = (): string[] => (existsSync(join(pkg.path, 'ran.log')) ? readFileSync(join(pkg.path, 'ran.log'), 'utf8').trim().split('\n') : []);

    /** Starts a consumer process with `workers`; resolves once it is receiving, with its stderr so far kept in `log()`. */
    const start = async (workers: 'async' | 'thread' | 'process'): Promise<{ child: ChildProcess; log: () => string; exited: Promise<number | null> }> => {
      const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'huey-consumer.js'), 'main.Configuration'], {
        cwd: pkg.path,
        env: { ...process.env, ...backend.env, HUEY_TEST_WORKERS: workers },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      consumers.add(child);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => (consumers.delete(child), resolve(code))));
      await eventually(() => stderr.includes('consumer started'), 'the consumer to start', 30_000);
      return { child, log: () => stderr, exited };
    };
    const stop = async (consumer: { child: ChildProcess; exited: Promise<number | null> }): Promise<number | null> => {
      consumer.child.kill('SIGTERM');
      return consumer.exited;
    };

    before(async () => {
      Object.assign(process.env, backend.env);
      pkg = await scratchPackage({ 'config.js': `${backend.backends}\n${CONFIG}`, 'commands.js': COMMANDS, 'main.js': "import './commands.js';\nexport { Configuration } from './config.js';\n" });
      app = (await import(pkg.url('config.js'))) as App;
      commands = (await import(pkg.url('commands.js'))) as Commands;
      await app.queue.flush();
    });
    after(async () => {
      for (const child of consumers) child.kill('SIGKILL');
      await app?.queue.close?.();
      await app?.store.close?.();
      await pkg?.remove();
      await backend.cleanup?.();
    });

    test('currentTask() is undefined outside a call', () => {
      assert.equal(currentTask(), undefined);
    });

    for (const workers of ['async', 'thread', 'process'] as const) {
      describe(`on ${workers} workers`, () => {
        let consumer: Awaited<ReturnType<typeof start>>;
        before(async () => {
          consumer = await start(workers);
        });
        after(async () => {
          assert.equal(await stop(consumer), 0);
        });

        test('currentTask() inside a call answers its id, name, attempt, deliveries and a live signal; a retry is attempt 2', async () => {
          const handle = (await commands.whoami())!;
          assert.deepEqual(await handle.get({ blocking: true, timeout: 30 }), { id: handle.taskId, name: 'commands.whoami', attempt: 1, deliveries: 1, signal: true });
          assert.equal(await (await commands.flaky()).get({ blocking: true, timeout: 30 }), 2);
        });

        test('a call past its timeout sees its signal abort with TimeoutError, fails with it, and its side effect never happens', async () => {
          const handle = (await commands.patient(`p-${workers}`))!;
          await rejectsWith(handle, 'TimeoutError', /commands\.patient \S+ timed out after 0\.3 s/);
          await sleep(1800); // past the 1.5 s the call would have slept
          assert.ok(!ran().includes(`done p-${workers}`), 'the call went on after its timeout');
          await eventually(() => ran().includes(`stopped p-${workers} TimeoutError`), 'the call to see its reason');
        });

        test('handle.progress() reads the latest progress the running call reported', async () => {
          const handle = (await commands.count(6))!;
          const seen = await eventually(async () => {
            const progress = (await handle.progress()) as { done: number; of: number } | undefined;
            return progress !== undefined && progress.done >= 2 && progress.done < 6 ? progress : undefined;
          }, 'a progress report while the call runs', 10_000);
          assert.equal(seen!.of, 6);
          assert.equal(await handle.get({ blocking: true, timeout: 30 }), 'counted');
          assert.deepEqual(await handle.progress(), { done: 6, of: 6 });
          let out = '';
          await inspect(['trace', 'main.Configuration', handle.taskId, '-p', pkg.path, '--json'], { stdout: (text: string) => void (out += text), stderr: (text: string) => void (out += text), keepOpen: true });
          assert.deepEqual((JSON.parse(out) as { progress: unknown }).progress, { done: 6, of: 6 }, 'huey trace shows the latest progress');
        });

        test('revoking a running call aborts its signal within a second, and its get() rejects naming the revoke', async () => {
          const handle = (await commands.long(`r-${workers}`, 20_000))!;
          await eventually(() => ran().includes(`start r-${workers} 1`), 'the call to start', 30_000);
          const revokedAt = Date.now();
          await handle.revoke();
          await eventually(() => ran().includes(`stopped r-${workers} TaskRevokedError`), 'the call to be stopped', 5000);
          assert.ok(Date.now() - revokedAt < 1500, `stopped ${Date.now() - revokedAt} ms after the revoke`);
          await rejectsWith(handle, 'TaskRevoked', new RegExp(`commands\\.long ${handle.taskId} was revoked while it ran`), 10);
          assert.ok(!ran().includes(`end r-${workers}`));
        });

        if (workers !== 'async') {
          test('a spinning call past its timeout has its worker ended and replaced; the next call succeeds and the consumer falls idle', async () => {
            const spinning = await commands.spin();
            await rejectsWith(spinning, 'TimeoutError', /commands\.spin \S+ timed out after 0\.3 s/);
            await eventually(() => /ended: commands\.spin \S+ did not stop within \d+ ms of its signal/.test(consumer.log()), 'the worker to be ended');
            const results = await Promise.all([1, 2, 3, 4].map(async (n) => (await commands.square(n)).get({ blocking: true, timeout: 30 })));
            assert.deepEqual(results, [1, 4, 9, 16]);
            await sleep(1500); // the new worker's start-up is over
            const before = cpuSeconds(consumer.child.pid!);
            await sleep(1000);
            const used = cpuSeconds(consumer.child.pid!) - before;
            assert.ok(used < 0.3, `the consumer used ${used} s of CPU in a second once idle`);
          });
        }
      });
    }

    test('SIGTERM stops a running call, puts it back, and exits 0; the next consumer runs it as delivery 2', async () => {
      const first = await start('async');
      const handle = (await commands.long('s', 20_000))!;
      await eventually(() => ran().includes('start s 1'), 'the call to start', 30_000);
      assert.equal(await stop(first), 0);
      assert.ok(ran().includes('stopped s ShutdownError'));
      assert.match(first.log(), /commands\.long \S+ stopped by the shutdown: it goes back to the queue/);
      const second = await start('async');
      await eventually(() => ran().includes('start s 2'), 'the call to run again', 30_000);
      assert.match(second.log(), /commands\.long \S+ delivered again: delivery 2 of attempt 1/);
      await handle.revoke();
      await rejectsWith(handle, 'TaskRevoked', /was revoked while it ran/);
      assert.equal(await stop(second), 0);
    });

    test('a consumer taken for dead sees its running call recovered by another: its signal aborts with ClaimLostError, and the other runs it', async () => {
      const paused = await start('async');
      const handle = (await commands.long('c', 20_000))!;
      await eventually(() => ran().includes('start c 1'), 'the call to start', 30_000);
      paused.child.kill('SIGSTOP'); // no heartbeat now: after 2 s it is taken for dead
      await sleep(3000);
      const other = await start('async');
      await eventually(() => ran().includes('start c 2'), 'the other consumer to recover and run it', 30_000);
      paused.child.kill('SIGCONT');
      await eventually(() => ran().includes('stopped c ClaimLostError'), 'the first consumer to stop its copy', 10_000);
      await eventually(() => /commands\.long \S+ was recovered by another consumer while it ran here/.test(paused.log()), 'the first consumer to say why');
      await handle.revoke();
      await rejectsWith(handle, 'TaskRevoked', /was revoked while it ran/);
      assert.equal(await stop(other), 0);
      assert.equal(await stop(paused), 0);
    });

    test('a call that never yields is dead-lettered after MAX_DELIVERIES deliveries, and its get() rejects naming that', async () => {
      const handle = (await commands.hog('h'))!;
      for (const delivery of [1, 2]) {
        const frozen = await start('async');
        await eventually(() => ran().includes(`hog h ${delivery}`), `delivery ${delivery}`, 30_000);
        frozen.child.kill('SIGKILL');
        await frozen.exited;
      }
      const last = await start('async');
      await rejectsWith(handle, 'DeadLettered', /commands\.hog \S+ delivered 2 times without finishing \(attempt 1\)/);
      assert.ok(!ran().includes('hog h 3'));
      assert.equal(await stop(last), 0);
    });
  });
}
