/**
 * The file backend's cost per message as the queue grows, and its idle
 * wake-up latency.
 *
 * - Drain: `count` messages are queued (not timed), then one process reads
 *   and acknowledges them one at a time; the rate should stay about flat
 *   from 1,000 to 100,000 queued (a scan of the directory per read would
 *   make it fall a hundredfold).
 * - Latency: a reader blocks in `read()` on an idle queue; another queue
 *   object in the same process writes one message; the time from just
 *   before the write to the read's return, over many rounds.
 *
 * Usage: node dist/bench/file-growth.js [counts, comma-separated] [latency rounds]
 *   e.g. node dist/bench/file-growth.js 1000,10000,100000 200
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileQueue } from 'huey/backends/file';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Queues `count` messages, 32 writes in flight, untimed. */
async function fill(queue: FileQueue, count: number): Promise<void> {
  let next = 0;
  const writer = async (): Promise<void> => {
    while (next < count) await queue.write(JSON.stringify({ id: `m${next++}`, padding: 'x'.repeat(100) }));
  };
  await Promise.all(Array.from({ length: 32 }, writer));
}

async function drain(path: string, count: number): Promise<{ seconds: number; perSecond: number }> {
  const name = `drain-${count}`;
  const writer = new FileQueue(name, { path });
  await fill(writer, count);
  const reader = new FileQueue(name, { path });
  const started = performance.now();
  let drained = 0;
  for (let data = await reader.read(0); data !== null; data = await reader.read(0)) {
    await reader.ack(data);
    drained++;
  }
  const seconds = (performance.now() - started) / 1000;
  if (drained !== count) throw new Error(`drained ${drained} of ${count}`);
  await reader.close();
  await writer.close();
  return { seconds, perSecond: count / seconds };
}

async function latency(path: string, rounds: number): Promise<number[]> {
  const reader = new FileQueue('latency', { path });
  const writer = new FileQueue('latency', { path });
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const reading = reader.read(10_000);
    // idle long enough that the reader is blocked in its wait, not in its first look
    await sleep(20);
    const sent = performance.now();
    await writer.write(JSON.stringify({ id: `l${round}` }));
    const data = await reading;
    samples.push(performance.now() - sent);
    if (data === null) throw new Error('the blocked reader was not woken');
    await reader.ack(data);
  }
  await reader.close();
  await writer.close();
  return samples.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const counts = (process.argv[2] ?? '1000,10000,100000').split(',').map(Number);
const rounds = Number(process.argv[3] ?? 200);
const path = await mkdtemp(join(tmpdir(), 'huey-bench-file-'));
try {
  console.log(`file backend in ${path} (Node ${process.version})`);
  // warm up the JIT and the file system's caches, so the first size is not charged for them
  await drain(path, 500);
  let base: number | undefined;
  for (const count of counts) {
    const { seconds, perSecond } = await drain(path, count);
    base ??= seconds / count;
    console.log(`drain ${String(count).padStart(7)} queued: ${seconds.toFixed(2).padStart(7)} s, ${perSecond.toFixed(0).padStart(6)} messages/s, ${(seconds / count / base).toFixed(2)}× the first size's time a message`);
  }
  const samples = await latency(path, rounds);
  console.log(`idle enqueue-to-read latency over ${rounds} rounds: p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms, max ${samples.at(-1)!.toFixed(2)} ms`);
} finally {
  await rm(path, { recursive: true, force: true });
}
