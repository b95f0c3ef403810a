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

const run = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'run.js');

test('bench/run.js --backend memory --n 50 --json prints every memory scenario with a figure per run', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [run, '--backend', 'memory', '--n', '50', '--runs', '2', '--seconds', '1', '--json', '--no-docs'], { timeout: 60_000 });
  const results = JSON.parse(stdout) as { rows: { key: string; figure: { runs: number[]; unit: string }; median: number }[]; targets: { target: string }[]; machine: { cpus: number; node: string } };
  const keys = results.rows.map((row) => row.key);
  for (const key of ['memory.enqueue', 'memory.drain.1', 'memory.drain.50', 'memory.e2e', 'memory.latency.start.p50', 'memory.latency.result.p99', 'memory.floor']) {
    assert.ok(keys.includes(key), `missing ${key} in ${keys.join(', ')}`);
  }
  for (const row of results.rows) {
    assert.equal(row.figure.runs.length, 2, row.key);
    assert.ok(row.figure.runs.every((value) => Number.isFinite(value) && value > 0), `${row.key}: ${row.figure.runs.join(', ')}`);
    assert.ok(['/s', 'ms'].includes(row.figure.unit), row.key);
  }
  assert.ok(results.targets.some((target) => target.target.startsWith('Memory')));
  assert.equal(results.machine.node, process.version);
});

test('bench/run.js prints a Markdown table by default', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [run, '--backend', 'memory', '--n', '20', '--runs', '1', '--seconds', '1', '--no-docs'], { timeout: 60_000 });
  const lines = stdout.split('\n');
  assert.equal(lines[0], '| scenario | backend | what | median | min–max | ratio |');
  assert.equal(lines[1], '|---|---|---|---:|---|---|');
  assert.ok(lines.some((line) => line.startsWith('| 2 drain | memory |')));
});
