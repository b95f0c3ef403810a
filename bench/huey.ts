/**
 * The scenarios, run on huey: enqueue rate, drain rate (consumer process or
 * in-process), latency at a steady rate, and memory end to end.
 */
import type { AsyncData } from 'huey/queue';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { DrainCounter, noopInvoker, openBackend, type BackendSpec, type DrainReport, type Noop, type Opened } from './backends.js';
import { hueyConsumer } from './child.js';
import { percentile, rate, sleep, wallMs } from './stats.js';

/** Sequential awaited calls of the no-op from one producer; calls/s. */
export async function enqueueRate(spec: BackendSpec, n: number): Promise<number> {
  const opened = await openBackend(spec);
  try {
    const { noop } = noopInvoker(opened);
    await noop(wallMs()); // connect, create directories: not part of the rate
    const start = performance.now();
    for (let i = 0; i < n; i++) await noop(wallMs());
    return rate(n, performance.now() - start);
  } finally {
    await cleanUp(spec, opened);
  }
}

/** Empties what a run left in Redis or memory; a file run's directory is removed whole by the caller. */
async function cleanUp(spec: BackendSpec, opened: Opened): Promise<void> {
  if (spec.backend !== 'file') {
    await opened.queue.flush();
    await opened.store.flush();
  }
  await opened.close();
}

/** Enqueues `n` calls, `parallel` at a time (filling is not what is measured; 16 fills the file backend fastest here). */
export async function fill(noop: Noop, n: number, parallel = 16): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      next++;
      await noop(wallMs());
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, lane));
}

/**
 * Drain rate: `n` calls queued, then one consumer at `threads`; calls/s from
 * the first call's start to the `sample`th call's acknowledgement (all `n`
 * unless a smaller sample is asked for; the rest is flushed). `timing`
 * receives how long filling took. The consumer is
 * `bin/huey-consumer.js` in a process of its own, or a {@link Consumer} in
 * this process with `inProcess` (always for the memory backend).
 */
export async function drainRate(spec: BackendSpec, n: number, threads: number, inProcess = spec.backend === 'memory', sample = n, timing: { fillMs: number } = { fillMs: 0 }): Promise<number> {
  const producer = await openBackend(spec);
  // the consumer process boots while the queue fills, and starts once it is full
  const child = inProcess ? undefined : hueyConsumer(threads, { ...consumerEnv(spec, sample), HUEY_BENCH_GO: '1' });
  try {
    const { noop } = noopInvoker(producer);
    const filling = performance.now();
    await fill(noop, n);
    timing.fillMs = performance.now() - filling;
    let report: DrainReport;
    if (child === undefined) {
      report = await drainHere(spec, producer, sample, threads);
    } else {
      child.go();
      report = await child.report<DrainReport>(60_000 + sample * 10);
    }
    return rate(report.count, report.lastFinish - report.firstStart);
  } finally {
    await child?.stop();
    await cleanUp(spec, producer);
  }
}

/** The environment that points bench/config at `spec`. */
export function consumerEnv(spec: BackendSpec, expect: number | undefined): Record<string, string> {
  return {
    HUEY_BENCH_BACKEND: spec.backend,
    HUEY_BENCH_QUEUE: spec.queue,
    ...(spec.path ? { HUEY_BENCH_PATH: spec.path } : {}),
    ...(spec.prefix ? { HUEY_BENCH_PREFIX: spec.prefix } : {}),
    ...(spec.prefetch ? { HUEY_BENCH_PREFETCH: String(spec.prefetch) } : {}),
    ...(expect !== undefined ? { HUEY_BENCH_EXPECT: String(expect) } : {}),
  };
}

/** A configuration class for in-process consumers. */
function configuration(threads: number): typeof BaseConfiguration {
  return class extends BaseConfiguration {
    static override THREADS = threads;
    static override LOGLEVEL = 'warn' as const;
  };
}

async function drainHere(spec: BackendSpec, producer: Opened, n: number, threads: number): Promise<DrainReport> {
  // memory: the producer's own queue; others: a connection of the consumer's own
  const opened = spec.backend === 'memory' ? producer : await openBackend(spec);
  let done!: (report: DrainReport) => void;
  const finished = new Promise<DrainReport>((resolve) => (done = resolve));
  const counter = new DrainCounter(opened.queue, n, done);
  const { invoker } = noopInvoker(opened, (_sent, startedAt) => counter.started(startedAt));
  const consumer = new Consumer(invoker, configuration(threads), { readTimeoutMs: 100 });
  await consumer.start();
  try {
    return await finished;
  } finally {
    await consumer.stop();
    if (opened !== producer) await opened.close();
  }
}

/** Latency percentiles of one run, in ms. */
export interface Latency {
  start: { p50: number; p99: number; max: number };
  result: { p50: number; p99: number; max: number };
}

/**
 * A steady `perSecond` calls/s for `seconds`, each call's result awaited
 * by the producer (blocking get); measures enqueue-to-start (the command's
 * first line, in the consumer) and enqueue-to-result (the producer has it).
 */
export async function latency(spec: BackendSpec, seconds: number, perSecond: number, threads: number): Promise<Latency> {
  const producer = await openBackend(spec);
  const inProcess = spec.backend === 'memory';
  let consumer: Consumer | undefined;
  let child: ReturnType<typeof hueyConsumer> | undefined;
  try {
    const { noop } = noopInvoker(producer);
    if (inProcess) {
      const { invoker } = noopInvoker(producer);
      consumer = new Consumer(invoker, configuration(threads), { readTimeoutMs: 100 });
      await consumer.start();
    } else {
      child = hueyConsumer(threads, consumerEnv(spec, undefined));
    }
    const one = async (): Promise<[number, number]> => {
      const sentAt = wallMs();
      const handle = (await noop(sentAt)) as AsyncData<number>;
      const startedAt = (await handle.get({ blocking: true, timeout: 30 }))!;
      return [startedAt - sentAt, wallMs() - sentAt];
    };
    // warm up: the consumer is up, connections open, code compiled
    for (let i = 0; i < 50; i++) await one();
    const total = Math.round(seconds * perSecond);
    const interval = 1000 / perSecond;
    const calls: Promise<[number, number]>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = t0 + i * interval - performance.now();
      if (wait > 0) await sleep(wait);
      calls.push(one());
    }
    const samples = await Promise.all(calls);
    const summary = (values: number[]) => ({ p50: percentile(values, 0.5), p99: percentile(values, 0.99), max: Math.max(...values) });
    return { start: summary(samples.map(([s]) => s)), result: summary(samples.map(([, r]) => r)) };
  } finally {
    await consumer?.stop();
    await child?.stop();
    await cleanUp(spec, producer);
  }
}

/**
 * Memory end to end in one process: the producer enqueues `n` calls while
 * an in-process consumer (`threads`) runs them, then reads every result;
 * calls/s from the first enqueue to the last result read.
 */
export async function memoryEndToEnd(n: number, threads: number): Promise<number> {
  const opened = await openBackend({ backend: 'memory', queue: 'e2e' });
  const { invoker, noop } = noopInvoker(opened);
  const consumer = new Consumer(invoker, configuration(threads), { readTimeoutMs: 100 });
  await consumer.start();
  try {
    const start = performance.now();
    const handles: AsyncData<number>[] = [];
    for (let i = 0; i < n; i++) handles.push((await noop(wallMs())) as AsyncData<number>);
    for (const handle of handles) await handle.get({ blocking: true, timeout: 30 });
    return rate(n, performance.now() - start);
  } finally {
    await consumer.stop();
    await opened.close();
  }
}
