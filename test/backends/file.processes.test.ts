/**
 * The file backend with real processes: producers and consumers started
 * with `process.execPath` running test/fixtures/file-worker.ts, killed with
 * SIGKILL or stopped with SIGSTOP, sharing one directory. Consumers here
 * loop read → record → ack on FileQueue directly: that is the backend's own
 * guarantee, whatever consumer runs on top.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, test } from 'node:test';
import { FileDataStore, FileQueue } from 'huey/backends/file';
import { eventually, scratchDir } from '../helpers.js';

const WORKER = fileURLToPath(new URL('../fixtures/file-worker.js', import.meta.url));

/** A worker process, with its stdout collected line by line. */
interface Worker {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

function startWorker(mode: string, args: object): Worker {
  const child = spawn(process.execPath, [WORKER, mode, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, lines, exited };
}

const readLines = async (file: string): Promise<string[]> =>
  (await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? '' : Promise.reject(error)))).split('\n').filter(Boolean);

describe('file backend across processes', () => {
  let root: string;
  let remove: () => Promise<void>;
  let workers: Worker[] = [];
  const worker = (mode: string, args: object): Worker => {
    const started = startWorker(mode, { path: root, ...args });
    workers.push(started);
    return started;
  };
  // a test that failed leaves no worker behind to load the machine for the next one
  const killAll = async (): Promise<void> => {
    for (const { child } of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    workers = [];
  };

  before(async () => {
    ({ path: root, remove } = await scratchDir('huey-file-procs-'));
  });
  afterEach(killAll);
  after(async () => {
    await killAll();
    await remove();
  });

  test('4 producer processes × 2,500 messages and 3 consumer processes: every message runs, none twice', { timeout: 180_000 }, async () => {
    const stop = join(root, 'stop-many');
    const outs = [0, 1, 2].map((n) => join(root, `many-consumer-${n}.txt`));
    const consumers = outs.map((out) => worker('consume', { queue: 'many', out, stop }));
    const producers = [0, 1, 2, 3].map((p) => worker('produce', { queue: 'many', producer: `p${p}`, count: 2500 }));
    assert.deepEqual(await Promise.all(producers.map((p) => p.exited)), [0, 0, 0, 0]);
    await writeFile(stop, '');
    assert.deepEqual(await Promise.all(consumers.map((c) => c.exited)), [0, 0, 0]);
    const perConsumer = await Promise.all(outs.map(readLines));
    const all = perConsumer.flat();
    assert.equal(new Set(all).size, 10_000, 'every message ran');
    assert.equal(all.length, 10_000, 'no message ran twice');
    assert.ok(perConsumer.every((ids) => ids.length > 0), `the work was shared: ${perConsumer.map((ids) => ids.length).join(', ')}`);
    const queue = new FileQueue('many', { path: root });
    assert.equal(await queue.length(), 0);
    assert.deepEqual(await readdir(join(queue.directory, 'claimed')), []);
  });

  test('after kill -9 of a consumer mid-run and a restart, every message has run at least once', { timeout: 90_000 }, async () => {
    const producer = new FileQueue('killed', { path: root });
    const ids = Array.from({ length: 400 }, (_, n) => `k${n}`);
    for (const id of ids) await producer.write(JSON.stringify({ id }));
    const out = join(root, 'killed.txt');
    const stop = join(root, 'stop-killed');
    // slow enough that the kill lands between a record and its ack
    const first = worker('consume', { queue: 'killed', out, stop, delayMs: 5 });
    await eventually(async () => (await readLines(out)).length >= 100, 'the first consumer to run 100 messages', 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const claimedBefore = (await readdir(join(producer.directory, 'claimed'))).length;
    await writeFile(stop, '');
    const second = worker('consume', { queue: 'killed', out, stop });
    assert.equal(await second.exited, 0);
    const ran = await readLines(out);
    assert.deepEqual(ids.filter((id) => !ran.includes(id)), [], 'messages never run');
    assert.ok(ran.length >= ids.length && ran.length <= ids.length + 1, `${ran.length} runs of ${ids.length} messages`);
    assert.equal(claimedBefore, 1, 'the killed consumer left its claims directory behind');
    assert.deepEqual(await readdir(join(producer.directory, 'claimed')), [], 'the restarted consumer recovered it');
  });

  test('kill -9 of a consumer draining with readMany and finish loses none of 2,000 calls, and runs twice only what it had claimed', { timeout: 180_000 }, async () => {
    const producer = new FileQueue('drained', { path: root });
    const ids = Array.from({ length: 2000 }, (_, n) => `d${n}`);
    for (const id of ids) await producer.write(JSON.stringify({ id }));
    const out = join(root, 'drained.txt');
    const stop = join(root, 'stop-drained');
    // slow enough that the kill lands with a batch claimed and part of it run
    const first = worker('drain', { queue: 'drained', out, stop, batch: 20, delayMs: 1 });
    await eventually(async () => (await readLines(out)).length >= 500, 'the first consumer to run 500 calls', 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const claimedDirs = await readdir(join(producer.directory, 'claimed'));
    assert.equal(claimedDirs.length, 1, 'the killed consumer left its claims directory behind');
    const claimedDir = join(producer.directory, 'claimed', claimedDirs[0]!);
    const held = await Promise.all((await readdir(claimedDir)).map(async (name) => (JSON.parse((await readFile(join(claimedDir, name), 'utf8')).split('\n')[0]!) as { id: string }).id));
    await writeFile(stop, '');
    const second = worker('drain', { queue: 'drained', out, stop, batch: 20 });
    assert.equal(await second.exited, 0);
    const ran = await readLines(out);
    assert.deepEqual(ids.filter((id) => !ran.includes(id)), [], 'calls never run');
    const twice = ran.filter((id, i) => ran.indexOf(id) !== i);
    assert.deepEqual(twice.filter((id) => !held.includes(id)), [], 'only calls the killed consumer had claimed ran twice');
    assert.ok(held.length <= 20, `${held.length} claimed at the kill, of a batch of 20`);
    const results = new FileDataStore('drained', { path: root });
    assert.equal(await results.count(), 2000, 'one result a call');
    for (const id of ['d0', 'd999', 'd1999', ...held]) assert.equal(await results.get(id), JSON.stringify(`ran ${id}`));
    assert.deepEqual(await readdir(join(producer.directory, 'claimed')), [], 'the restarted consumer recovered the claims');
    assert.equal(await producer.length(), 0);
    await results.close();
  });

  test('the schedule survives kill -9 of the process that wrote it, and three consumers take each due message once, not before its eta', { timeout: 90_000 }, async () => {
    const eta = Date.now() + 1500;
    const scheduler = worker('schedule', { queue: 'sched', count: 300, eta });
    await eventually(() => scheduler.lines.includes('scheduled'), 'the schedule to be written', 30_000);
    scheduler.child.kill('SIGKILL');
    await scheduler.exited;
    const queue = new FileQueue('sched', { path: root });
    assert.equal((await readdir(join(queue.directory, 'schedule'))).length, 300);
    assert.equal((await queue.nextEta())?.getTime(), eta);
    const stop = join(root, 'stop-sched');
    const outs = [0, 1, 2].map((n) => join(root, `due-${n}.txt`));
    const consumers = outs.map((out) => worker('due', { queue: 'sched', out, stop }));
    await eventually(async () => (await Promise.all(outs.map(readLines))).flat().length >= 300, 'the due messages', 30_000);
    await writeFile(stop, '');
    assert.deepEqual(await Promise.all(consumers.map((c) => c.exited)), [0, 0, 0]);
    const taken = (await Promise.all(outs.map(readLines))).flat().map((line) => line.split(' '));
    assert.equal(taken.length, 300, 'each due once');
    assert.equal(new Set(taken.map(([id]) => id)).size, 300);
    assert.ok(taken.every(([, at]) => Number(at) >= eta), 'none taken before its eta');
  });

  test('recover() returns at once the claims of a consumer process that was killed', { timeout: 60_000 }, async () => {
    const queue = new FileQueue('hold-kill', { path: root });
    await queue.write('{"id":"held"}');
    const holder = worker('hold', { queue: 'hold-kill' });
    await eventually(() => holder.lines.includes('claimed {"id":"held"}'), 'the claim', 30_000);
    assert.equal(await queue.recover(), 0, 'a running consumer keeps its claims');
    holder.child.kill('SIGKILL');
    await holder.exited;
    assert.equal(await queue.recover(), 1, 'its process is gone: recovered without waiting for the heartbeat to age');
    assert.equal(await queue.read(0), '{"id":"held"}');
    await queue.close();
  });

  test('recover() returns the claims of a stopped consumer process once its heartbeat is older than heartbeatTimeout', { timeout: 60_000 }, async () => {
    const queue = new FileQueue('hold-stop', { path: root, heartbeatTimeout: 2 });
    await queue.write('{"id":"frozen"}');
    const holder = worker('hold', { queue: 'hold-stop', heartbeatTimeout: 2 });
    await eventually(() => holder.lines.includes('claimed {"id":"frozen"}'), 'the claim', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(await queue.recover(), 0, 'a beating consumer is alive, whatever the time since its claim');
    // the process still exists, so only the heartbeat can tell it is stuck
    holder.child.kill('SIGSTOP');
    const started = Date.now();
    await eventually(async () => (await queue.recover()) === 1, 'the stale heartbeat to be noticed', 15_000);
    assert.ok(Date.now() - started >= 1000, 'not before the heartbeat went stale');
    assert.equal(await queue.read(0), '{"id":"frozen"}');
    holder.child.kill('SIGKILL');
    await holder.exited;
    await queue.close();
  });

  test('a consumer process blocked in read() is woken by a write within milliseconds', { timeout: 60_000 }, async () => {
    const reader = worker('latency', { queue: 'latency' });
    await eventually(() => reader.lines.includes('waiting'), 'the reader to block', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await new FileQueue('latency', { path: root }).write(JSON.stringify({ id: 'l', sent: Date.now() }));
    assert.equal(await reader.exited, 0);
    const line = reader.lines.find((l) => l.startsWith('latency '));
    const ms = Number(line?.slice('latency '.length));
    // far below the 30 s the read would wait unwoken, with room for a loaded machine (bench/file-growth measures the real latency)
    assert.ok(ms >= 0 && ms < 3000, `woken after ${line}`);
  });
});
