/**
 * Worker types side by side: 8 CPU-bound calls of 200 ms at THREADS 2, and
 * the per-call overhead of each type on no-op calls. In one process, on the
 * memory backend, so only the workers differ.
 *
 *   npm run build && node dist/bench/workers.js [--calls N]
 */
import { fileURLToPath } from 'node:url';
import { Consumer } from 'huey/bin/consumer';
import type { WorkerType } from 'huey/bin/config';
import { Invoker, type AsyncData } from 'huey/queue';
import { Configuration, queue } from './workers-app/config.js';
import { burn, noop } from './workers-app/commands.js';

const flag = process.argv.indexOf('--calls');
const calls = flag > 0 ? Number(process.argv[flag + 1]) : 2000;
const CONFIG_FILE = fileURLToPath(new URL('./workers-app/config.js', import.meta.url));

async function timed(handles: Promise<AsyncData<number>>[]): Promise<number> {
  const started = performance.now();
  const all = await Promise.all(handles);
  await Promise.all(all.map((handle) => handle.get({ blocking: true, timeout: 120 })));
  return performance.now() - started;
}

async function measure(type: WorkerType): Promise<{ type: WorkerType; cpuMs: number; perCallUs: number }> {
  const Config = class extends Configuration {
    static override WORKER_TYPE = type;
    static override THREADS = 2;
  };
  const consumer = new Consumer(new Invoker(queue, { resultStore: Configuration.RESULT_STORE! }), Config, {
    configModule: { file: CONFIG_FILE, attribute: 'Configuration' },
    logSink: () => {},
  });
  await consumer.start();
  await timed([noop(), noop()]); // warm up: workers started, code compiled
  const cpuMs = await timed(Array.from({ length: 8 }, () => burn(200)));
  const overheadMs = await timed(Array.from({ length: calls }, () => noop()));
  await consumer.stop();
  return { type, cpuMs, perCallUs: (overheadMs * 1000) / calls };
}

const rows = [];
for (const type of ['async', 'thread', 'process'] as const) {
  process.stderr.write(`workers: ${type}...\n`);
  rows.push(await measure(type));
}
const asyncMs = rows[0]!.cpuMs;
console.log('| worker type | 8 × 200 ms CPU-bound, THREADS 2 | vs async | no-op call, enqueue to result |');
console.log('|---|---|---|---|');
for (const row of rows) {
  console.log(`| ${row.type} | ${Math.round(row.cpuMs)} ms | ${(row.cpuMs / asyncMs).toFixed(2)}× | ${row.perCallUs.toFixed(0)} µs |`);
}
