/**
 * The scenarios, run on huey: enqueue rate, drain rate (consumer process or
 * in-process), latency at a steady rate, and memory end to end.
 */
import type { AsyncData } from 'huey/queue';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { DrainCounter, noopInvoker, openBackend, specEnv, type BackendSpec, type DrainReport, type Opened } from './backends.js';
import { hueyConsumer } from './child.js';
import { fillBacklog } from './fill.js';
import { percentile, rate, sleep, wallMs } from './stats.js';

/**
 * Sequential awaited calls of the no-op from one producer; calls/s. With
 * `keep`, the calls stay queued (one more than `n`: the first call, which
 * connects, is not timed) for a drain run to take over.
 */
export async function enqueueRate(spec: BackendSpec, n: number, keep = false): Promise<number> {
  const opened = await openBackend(spec);
  try {
    const { noop } = noopInvoker(opened);
    await noop(wallMs()); // connect, create directories: not part of the rate
    const start = performance.now();
    for (let i = 0; i < n; i++) await noop(wallMs());
    return rate(n, performance.now() - start);
  } finally {
    await (keep ? opened.close() : cleanUp(spec, opened));
  }
}

/** Calls enqueued with `noop.map` in chunks of 1,000 (huey 3's `map`, one write per chunk); calls/s. */
export async function bulkEnqueueRate(spec: BackendSpec, n: number): Promise<number> {
  const opened = await openBackend(spec);
  try {
    const { noop } = noopInvoker(opened);
    await noop(wallMs()); // connect, create directories: not part of the rate
    const start = performance.now();
    for (let i = 0; i < n; i += 1000) await noop.map(Array.from({ length: Math.min(1000, n - i) }, () => [wallMs()] as [number]));
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

/** What a drain run is asked: how many calls are queued, how many threads drain them, how many of them are timed. */
export interface DrainPlan {
  /** Calls queued before the consumer starts. */
  queued: number;
  threads: number;
  /** Calls timed, the first ones (the rest are flushed); all of them by default. */
  sample?: number;
  /** A {@link Consumer} in this process instead of `bin/huey-consumer.js` (always for the memory backend). */
  inProcess?: boolean;
  /** The calls are queued already (an enqueue run's, kept): no fill, and the consumer boots now. */
  queuedAlready?: boolean;
}

/** A drain run's rate, and the untimed work around it. */
export interface Drained {
  rate: number;
  /** How long filling the backlog took; `undefined` when it was queued already. */
  fillMs: number | undefined;
  /** From "go" to the first call's start: what was left of the worker's boot when the fill was done. */
  bootWaitMs: number;
}

/**
 * Drain rate: `queued` calls queued (by {@link fillBacklog}), then one
 * consumer at `threads`; calls/s from the first call's start to the
 * `sample`th call's acknowledgement. The consumer is `bin/huey-consumer.js`
 * in a process of its own, booting while the queue fills, or a
 * {@link Consumer} in this process.
 */
export async function drainRate(spec: BackendSpec, plan: DrainPlan): Promise<Drained> {
  const { queued, threads, sample = queued, inProcess = spec.backend === 'memory' } = plan;
  const producer = await openBackend(spec);
  // the consumer process boots while the queue fills, and starts once it is full
  const child = inProcess ? undefined : hueyConsumer(threads, { ...specEnv(spec), HUEY_BENCH_EXPECT: String(sample), HUEY_BENCH_GO: '1' });
  try {
    const { noop } = noopInvoker(producer);
    const filling = performance.now();
    if (plan.queuedAlready !== true) await fillBacklog(spec, producer, noop, queued);
    const fillMs = plan.queuedAlready === true ? undefined : performance.now() - filling;
    const goAt = wallMs();
    let report: DrainReport;
    if (child === undefined) {
      report = await drainHere(spec, producer, sample, threads);
    } else {
      child.go();
      report = await child.report<DrainReport>(60_000 + sample * 10);
    }
    return { rate: rate(report.count, report.lastFinish - report.firstStart), fillMs, bootWaitMs: child === undefined ? 0 : Math.max(0, report.firstStart - goAt) };
  } finally {
    await child?.stop();
    await cleanUp(spec, producer);
  }
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
      child = hueyConsumer(threads, specEnv(spec));
    }
    const one = async (): Promise<[number, number]> => {
      const sentAt = wallMs();
      const handle = (await noop(sentAt)) as AsyncData<number>;
      const startedAt = (await handle.get({ blocking: true, timeout: 30 }))!;
      return [startedAt - sentAt, wallMs() - sentAt];
    };
    return await paced(one, seconds, perSecond);
  } finally {
    await consumer?.stop();
    await child?.stop();
    await cleanUp(spec, producer);
  }
}

/**
 * Runs `one` 50 times to warm up (the worker is up, connections open, code
 * compiled), then `perSecond` calls a second for `seconds`, each started
 * on time whether the earlier ones are done or not; the percentiles of
 * `one`'s two figures (enqueue→start, enqueue→result, ms). The same for
 * huey and the peers.
 */
export async function paced(one: () => Promise<[number, number]>, seconds: number, perSecond: number): Promise<Latency> {
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
