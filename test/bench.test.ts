/**
 * The benchmark harness runs and prints a well-formed result. Nothing here
 * checks a timing: benchmarks are not tests (see docs/performance.md).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MemoryQueue } from 'huey/backends/memory';
import { DrainCounter, noopInvoker, openBackend, type DrainReport } from '../bench/backends.js';
import { fillBacklog } from '../bench/fill.js';
import { measureInTurn, Timeline } from '../bench/progress.js';
import { scratchDir } from './helpers.js';

const run = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'run.js');

interface JsonResults {
  rows: { key: string; subject: string; figure: { runs: number[]; unit: string }; median: number }[];
  targets: { target: string }[];
  machine: { cpus: number; node: string };
  settings: { budget: number };
}

async function bench(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [run, ...args, '--no-docs'], { timeout: 120_000 });
}

test('bench/run.js --backend memory --n 50 --json prints every memory scenario with a figure per run', async () => {
  const { stdout } = await bench(['--backend', 'memory', '--n', '50', '--runs', '2', '--seconds', '1', '--json']);
  const results = JSON.parse(stdout) as JsonResults;
  const keys = results.rows.map((row) => row.key);
  for (const key of ['memory.enqueue', 'memory.drain.1', 'memory.drain.50', 'memory.e2e', 'memory.latency.start.p50', 'memory.latency.result.p99', 'memory.floor']) {
    assert.ok(keys.includes(key), `missing ${key} in ${keys.join(', ')}`);
  }
  for (const row of results.rows) {
    assert.equal(row.figure.runs.length, 2, row.key);
    assert.ok(row.figure.runs.every((value) => Number.isFinite(value) && value > 0), `${row.key}: ${row.figure.runs.join(', ')}`);
    assert.ok(['/s', 'ms'].includes(row.figure.unit), row.key);
  }
  // the goals checked are of the Redis and file backends: a memory run checks none
  assert.deepEqual(results.targets, []);
  assert.equal(results.machine.node, process.version);
});

test('bench/run.js prints a Markdown table by default, and on stderr where the time went and the total', async () => {
  const { stdout, stderr } = await bench(['--backend', 'memory', '--n', '20', '--runs', '1', '--seconds', '1']);
  const lines = stdout.split('\n');
  assert.equal(lines[0], '| scenario | backend | what | median | min–max | ratio |');
  assert.equal(lines[1], '|---|---|---|---:|---|---|');
  assert.ok(lines.some((line) => line.startsWith('| 2 drain | memory |')));
  const err = stderr.trimEnd().split('\n');
  const summary = err.indexOf('where the time went:');
  assert.ok(summary > 0, stderr);
  for (const section of ['memory enqueue', 'memory drain', 'memory latency', 'memory floor']) {
    assert.ok(err.slice(summary).some((line) => new RegExp(`^  ${section} +\\d+\\.\\d s +\\d+ %$`).test(line)), `no "${section}" line in\n${stderr}`);
  }
  assert.match(err.at(-1)!, /^\[bench +\d+ s\] done in \d+ s$/);
});

test('bench/run.js on files: growth backlogs larger than the sample are measured once and say so', async () => {
  const { stdout } = await bench(['--backend', 'file', '--n', '40', '--runs', '2', '--seconds', '1', '--growth', '20,80', '--growth-sample', '20', '--json']);
  const rows = (JSON.parse(stdout) as JsonResults).rows;
  const small = rows.find((row) => row.key === 'file.growth.20');
  const large = rows.find((row) => row.key === 'file.growth.80');
  assert.equal(small?.figure.runs.length, 2);
  assert.equal(large?.figure.runs.length, 1);
  assert.match(large.subject, /80 queued \(the first 20\).*\(one run\)$/);
  assert.ok(rows.find((row) => row.key === 'file.growth.80')!.figure.runs[0]! > 0);
});

test('bench/run.js --budget: a growth backlog that would take the run past the budget is skipped, and its row says so', async () => {
  const { stdout } = await bench(['--backend', 'file', '--n', '20', '--runs', '1', '--seconds', '1', '--growth', '40', '--budget', '1', '--json']);
  const results = JSON.parse(stdout) as JsonResults;
  const growth = results.rows.find((row) => row.key === 'file.growth.40');
  assert.deepEqual(growth?.figure.runs, []);
  assert.match(growth.subject, /skipped, about \d+ s more would take the run past its budget \(1 s, `--budget`\)/);
  assert.equal(results.settings.budget, 1);
});

test('measureInTurn takes run 1 of every contender before run 2 of any, and keeps each figure apart', async () => {
  const order: string[] = [];
  const contender = (name: string, value: number) => ({ what: name, unit: '/s' as const, once: async (run: number) => (order.push(`${name}${run + 1}`), value + run) });
  const stderr = process.stderr.write;
  process.stderr.write = () => true; // the progress lines
  try {
    const figures = await measureInTurn(new Timeline(), 2, [contender('huey', 10), contender('bullmq', 20), contender('bee', 30)]);
    assert.deepEqual(order, ['huey1', 'bullmq1', 'bee1', 'huey2', 'bullmq2', 'bee2']);
    assert.deepEqual(figures.map((figure) => figure.runs), [[10, 11], [20, 21], [30, 31]]);
  } finally {
    process.stderr.write = stderr;
  }
});

test('DrainCounter counts a call once whether finish() did both steps or declined and ack() followed', async () => {
  const queue = new MemoryQueue('counted');
  const acked: string[] = [];
  queue.ack = async (data) => void acked.push(data);
  const answers = [true, false];
  queue.finish = async () => answers.shift()!;
  let report: DrainReport | undefined;
  const counter = new DrainCounter(queue, 2, (done) => (report = done));
  counter.started(1);
  assert.equal(await queue.finish('a', undefined as never, 'k', 'v'), true);
  assert.equal(counter.count, 1);
  assert.equal(await queue.finish('b', undefined as never, 'k', 'v'), false);
  assert.equal(counter.count, 1, 'a declined finish is not a finished call');
  await queue.ack!('b');
  assert.deepEqual(acked, ['b']);
  assert.equal(report?.count, 2);
  assert.equal(report.firstStart, 1);
});

test('fillBacklog on files: several writer processes queue exactly the calls asked for, each a no-op call the consumer can read', async () => {
  const dir = await scratchDir('huey-bench-fill-');
  try {
    const spec = { backend: 'file' as const, queue: 'filled', path: dir.path };
    const producer = await openBackend(spec);
    try {
      const { invoker, noop } = noopInvoker(producer);
      await fillBacklog(spec, producer, noop, 90, 3);
      assert.equal(await producer.queue.length(), 90);
      for (let i = 0; i < 90; i++) {
        const command = await invoker.dequeue();
        assert.equal(command?.name, 'bench.noop');
      }
      assert.equal(await producer.queue.read(), null);
    } finally {
      await producer.close();
    }
  } finally {
    await dir.remove();
  }
});
