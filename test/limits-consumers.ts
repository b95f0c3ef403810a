/**
 * Limits per command through two real consumer processes (THREADS 4 each)
 * sharing one queue, as users run them: on files
 * (`limits.consumers.test.ts`) and Redis (`limits.consumers.redis.test.ts`).
 * Start times come from a log the calls append to; the "about" parts allow
 * a loaded machine generous slack.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Invoker, QueuedFunction } from 'huey';
import type { BaseQueue } from 'huey/backends/base';
import { REPO_ROOT, eventually, scratchPackage, type ProcessBackend, type ScratchPackage } from './helpers.js';

/** The most starts of `times` that fall in one window of `windowMs` (each start opening one). */
export function mostInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  return Math.max(0, ...sorted.map((start, i) => sorted.slice(i).filter((t) => t < start + windowMs).length));
}

/** The most calls running at once, from their [start, end] times. */
export function mostAtOnce(spans: [number, number][]): number {
  return Math.max(0, ...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length));
}

const CONFIG = `
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
export const invoker = new Invoker(queue, { resultStore: store });
export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static RESULT_STORE = store;
  static THREADS = 4;
}
`;

const COMMANDS = `
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';
const log = (...words) => appendFileSync(new URL('./calls.log', import.meta.url), [...words, Date.now(), process.pid].join(' ') + '\\n');
export const rated = queueCommand(invoker, { rateLimit: { calls: 5, per: 1 } })(function rated(n) { log('rated', n); return n; });
export const slow = queueCommand(invoker, { concurrency: 2 })(async function slow(n) { log('slow-start', n); await sleep(200); log('slow-end', n); return n; });
export const free = queueCommand(invoker)(function free(n) { log('free', n); return n; });
export const held = queueCommand(invoker, { concurrency: 1 })(async function held(n, ms) {
  log('held', n);
  // the first run of a call sleeps (and is killed); its run after recovery does not
  const first = new URL('./slept-' + n, import.meta.url);
  if (!existsSync(first)) { writeFileSync(first, ''); await sleep(ms); }
  return n;
});
`;

interface App {
  invoker: Invoker;
  queue: BaseQueue;
}
interface Commands {
  rated: QueuedFunction<[number], number>;
  slow: QueuedFunction<[number], number>;
  free: QueuedFunction<[number], number>;
  held: QueuedFunction<[number, number], number>;
}
/** One line of the calls' log. */
interface Logged {
  what: string;
  n: number;
  at: number;
  pid: number;
}

export function limitsThroughConsumers(backend: ProcessBackend): void {
  describe(`limits per command across two consumer processes on ${backend.name}`, { skip: backend.skip ?? false }, () => {
    let pkg: ScratchPackage;
    let app: App;
    let commands: Commands;
    const consumers: ChildProcess[] = [];
    let stderr = '';
    const logged = (what?: string): Logged[] => {
      const path = join(pkg.path, 'calls.log');
      const lines = existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n') : [];
      return lines.map((line) => line.split(' ')).map(([w, n, at, pid]) => ({ what: w!, n: Number(n), at: Number(at), pid: Number(pid) })).filter((l) => what === undefined || l.what === what);
    };
    const startConsumer = (): ChildProcess => {
      const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'huey-consumer.js'), 'main.Configuration'], { cwd: pkg.path, env: { ...process.env, ...backend.env }, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
      consumers.push(child);
      return child;
    };

    before(async () => {
      Object.assign(process.env, backend.env);
      pkg = await scratchPackage({ 'config.js': `${backend.backends}\n${CONFIG}`, 'commands.js': COMMANDS, 'main.js': "import './commands.js';\nexport { Configuration } from './config.js';\n" });
      app = (await import(pkg.url('config.js'))) as App;
      commands = (await import(pkg.url('commands.js'))) as Commands;
      await app.queue.flush();
      startConsumer();
      startConsumer();
      await eventually(() => (stderr.match(/consumer started/g) ?? []).length === 2, 'both consumers to start', 30_000);
    });
    after(async () => {
      for (const child of consumers) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      await app?.queue.close?.();
      await app?.invoker.resultStore?.close?.();
      await pkg?.remove();
      await backend.cleanup?.();
    });

    test('15 calls limited to 5 per second never start 6 within one second and finish in about 2 s; an unlimited call behind them finishes within a second', async (t) => {
      const handles = [];
      for (let n = 1; n <= 15; n++) handles.push(await commands.rated(n));
      const enqueued = Date.now();
      const behind = await commands.free(1);
      assert.equal(await behind!.get({ blocking: true, timeout: 30 }), 1);
      const freeAt = logged('free')[0]!.at;
      assert.deepEqual(await Promise.all(handles.map((h) => h!.get({ blocking: true, timeout: 30 }))), Array.from({ length: 15 }, (_, i) => i + 1));
      const starts = logged('rated').map((l) => l.at);
      assert.equal(starts.length, 15, 'each call ran once');
      // a start is logged a moment after its slot is taken: 100 ms of slack for a loaded machine
      assert.ok(mostInWindow(starts, 900) <= 5, `never 6 starts within one second: ${starts.map((t) => t - starts[0]!).join(', ')}`);
      const span = Math.max(...starts) - Math.min(...starts);
      t.diagnostic(`starts (ms after the first): ${[...starts].sort((a, b) => a - b).map((at) => at - Math.min(...starts)).join(' ')}; the unlimited call ran ${freeAt - enqueued} ms after its enqueue`);
      assert.ok(span >= 1900 && span < 8000, `about 2 s from the first start to the last: ${span} ms`);
      assert.ok(new Set(logged('rated').map((l) => l.pid)).size === 2, 'both consumers ran some');
      assert.ok(freeAt - enqueued < 1000 + 1000, `the unlimited call ran ${freeAt - enqueued} ms after it was enqueued`);
      assert.ok(freeAt < [...starts].sort((a, b) => a - b)[10]!, 'the unlimited call ran before the third window of limited calls');
    });

    test('10 calls of 200 ms at concurrency 2 never overlap more than 2 and take about 1 s; an unlimited call behind them finishes within a second', async (t) => {
      const handles = [];
      for (let n = 1; n <= 10; n++) handles.push(await commands.slow(n));
      const enqueued = Date.now();
      const behind = await commands.free(2);
      assert.equal(await behind!.get({ blocking: true, timeout: 30 }), 2);
      assert.deepEqual(await Promise.all(handles.map((h) => h!.get({ blocking: true, timeout: 30 }))), Array.from({ length: 10 }, (_, i) => i + 1));
      const ends = new Map(logged('slow-end').map((l) => [l.n, l.at]));
      const spans = logged('slow-start').map((l): [number, number] => [l.at, ends.get(l.n)!]);
      assert.equal(spans.length, 10, 'each call ran once');
      assert.ok(mostAtOnce(spans) <= 2, `never more than 2 at once: ${JSON.stringify(spans)}`);
      const took = Math.max(...spans.map(([, e]) => e)) - Math.min(...spans.map(([s]) => s));
      t.diagnostic(`first start to last end: ${took} ms; the unlimited call ran ${logged('free').find((l) => l.n === 2)!.at - enqueued} ms after its enqueue`);
      assert.ok(took >= 950 && took < 6000, `about 1 s from the first start to the last end: ${took} ms`);
      const freeAt = logged('free').find((l) => l.n === 2)!.at;
      assert.ok(freeAt - enqueued < 2000, `the unlimited call ran ${freeAt - enqueued} ms after it was enqueued`);
      assert.ok(freeAt < Math.max(...spans.map(([, e]) => e)), 'the unlimited call ran before the limited ones were done');
    });

    test('a consumer killed with SIGKILL while holding a concurrency slot: the slot is free within the lease time and nothing is lost', async (t) => {
      const first = await commands.held(1, 60_000);
      const victim = await eventually(() => logged('held')[0]?.pid, 'the held call to start', 30_000);
      const second = await commands.held(2, 10);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(logged('held').length, 1, 'the second call waits while the first holds the only slot');
      const killed = consumers.find((c) => c.pid === victim)!;
      killed.kill('SIGKILL');
      await new Promise((resolve) => killed.once('exit', resolve));
      const killedAt = Date.now();
      // the survivor recovers the first call (its consumer is gone from this host) and frees the dead holder's slot
      const ran = await second!.get({ blocking: true, timeout: 45 }).catch((error: unknown) => assert.fail(`${String(error)}; the consumers said:\n${stderr}`));
      assert.equal(ran, 2);
      await eventually(() => logged('held').filter((l) => l.n === 1).length === 2, 'the killed call to run again', 45_000);
      const again = logged('held').filter((l) => l.n === 1)[1]!;
      assert.notEqual(again.pid, victim);
      t.diagnostic(`the killed call ran again ${again.at - killedAt} ms after the kill`);
      assert.ok(again.at - killedAt < 30_000, `the slot was free ${again.at - killedAt} ms after the kill (lease: 30 s)`);
      assert.equal(await first!.get({ blocking: true, timeout: 45 }), 1, 'its run after recovery does not sleep');
    });
  });
}
