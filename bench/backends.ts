/**
 * The huey side of the benchmarks: the backends under test, opened the same
 * way by the producer (bench/run) and by the consumer process
 * (bench/config), the no-op command, and the counter that tells when a
 * consumer has finished its share.
 */
import type { BaseDataStore, BaseQueue } from 'huey/backends/base';
import { MemoryDataStore, MemoryQueue } from 'huey/backends/memory';
import { queueCommand, type QueuedFunction } from 'huey/decorators';
import { Invoker } from 'huey/queue';
import { CommandRegistry } from 'huey/registry';
import { wallMs } from './stats.js';
import type { FinishAndRead } from '../src/backends/fast-path.js';

/** The backends the benchmarks run on. */
export type BackendName = 'memory' | 'file' | 'redis';
export const BACKENDS: readonly BackendName[] = ['memory', 'file', 'redis'];

/** Where the Redis of the benchmarks is. */
export const REDIS = { host: process.env.HUEY_BENCH_REDIS_HOST ?? '127.0.0.1', port: Number(process.env.HUEY_BENCH_REDIS_PORT ?? 6379) };

/** Everything that names one backend instance: enough for another process to open the same queue. */
export interface BackendSpec {
  backend: BackendName;
  /** The queue (and result store) name. */
  queue: string;
  /** The file backend's directory. */
  path?: string;
  /** The Redis key prefix: every key the benchmark makes starts with it. */
  prefix?: string;
  /** The Redis queue's `prefetch` (messages claimed per read); the backend's default when absent. */
  prefetch?: number;
}

/** The environment that names `spec` to another process (a consumer, a writer); {@link specFromEnv} reads it back. */
export function specEnv(spec: BackendSpec): Record<string, string> {
  return {
    HUEY_BENCH_BACKEND: spec.backend,
    HUEY_BENCH_QUEUE: spec.queue,
    ...(spec.path ? { HUEY_BENCH_PATH: spec.path } : {}),
    ...(spec.prefix ? { HUEY_BENCH_PREFIX: spec.prefix } : {}),
    ...(spec.prefetch ? { HUEY_BENCH_PREFETCH: String(spec.prefetch) } : {}),
  };
}

/** The spec another process named with {@link specEnv}. */
export function specFromEnv(env: NodeJS.ProcessEnv = process.env): BackendSpec {
  return {
    backend: (env.HUEY_BENCH_BACKEND ?? 'redis') as BackendName,
    queue: env.HUEY_BENCH_QUEUE ?? 'bench',
    ...(env.HUEY_BENCH_PATH ? { path: env.HUEY_BENCH_PATH } : {}),
    ...(env.HUEY_BENCH_PREFIX ? { prefix: env.HUEY_BENCH_PREFIX } : {}),
    ...(env.HUEY_BENCH_PREFETCH ? { prefetch: Number(env.HUEY_BENCH_PREFETCH) } : {}),
  };
}

/** A queue and its result store, opened. */
export interface Opened {
  queue: BaseQueue;
  store: BaseDataStore;
  close(): Promise<void>;
}

/** Opens the queue and result store of `spec`; memory backends are new, empty ones. */
export async function openBackend(spec: BackendSpec): Promise<Opened> {
  let queue: BaseQueue;
  let store: BaseDataStore;
  switch (spec.backend) {
    case 'memory':
      queue = new MemoryQueue(spec.queue);
      store = new MemoryDataStore(spec.queue);
      break;
    case 'file': {
      // loaded only when used, as users would
      const { FileQueue, FileDataStore } = await import('huey/backends/file');
      queue = new FileQueue(spec.queue, { path: spec.path! });
      store = new FileDataStore(spec.queue, { path: spec.path! });
      break;
    }
    case 'redis': {
      const { RedisBlockingQueue, RedisDataStore } = await import('huey/backends/redis');
      const options = { ...REDIS, prefix: spec.prefix! };
      queue = new RedisBlockingQueue(spec.queue, { ...options, ...(spec.prefetch ? { prefetch: spec.prefetch } : {}) });
      store = new RedisDataStore(spec.queue, options);
      break;
    }
  }
  return {
    queue,
    store,
    close: async () => {
      await queue.close?.();
      await store.close?.();
    },
  };
}

/** The name of the no-op command, the same in producer and consumer. */
export const NOOP = 'bench.noop';

/** The no-op command: takes the instant the producer called it, returns the instant it started (a small number). */
export type Noop = QueuedFunction<[sentAt: number], number>;

/**
 * An invoker on `opened` (results stored) with the no-op command registered
 * in a registry of its own, or in `registry` when given (the consumer
 * process passes the shared one the CLI reads).
 */
export function noopInvoker(opened: Opened, onStart: (sentAt: number, startedAt: number) => void = () => {}, registry = new CommandRegistry()): { invoker: Invoker; noop: Noop } {
  const invoker = new Invoker(opened.queue, { resultStore: opened.store, registry });
  const noop = queueCommand(invoker, { name: NOOP })(function noop(sentAt: number): number {
    const startedAt = wallMs();
    onStart(sentAt, startedAt);
    return startedAt;
  });
  return { invoker, noop };
}

/** When a consumer ran its calls: the first start and the last acknowledgement. */
export interface DrainReport {
  count: number;
  firstStart: number;
  lastFinish: number;
}

/**
 * Counts the calls a consumer finishes, by wrapping the queue's last step of
 * a call: `finish` or `finishAndRead` (result stored and message
 * acknowledged in one step) when the queue has it and it did both, else
 * `ack` (after the result was stored). Reports once `expect` are done.
 */
export class DrainCounter {
  count = 0;
  firstStart = NaN;
  lastFinish = NaN;
  readonly #expect: number;
  readonly #done: (report: DrainReport) => void;

  constructor(queue: BaseQueue, expect: number, done: (report: DrainReport) => void) {
    this.#expect = expect;
    this.#done = done;
    const ack = queue.ack?.bind(queue);
    if (ack === undefined) throw new Error(`queue "${queue.name}" has no ack(): the counter cannot see calls finish`);
    queue.ack = async (data: string) => {
      await ack(data);
      this.#finished();
    };
    const fast = queue as BaseQueue & Partial<FinishAndRead>;
    const finish = fast.finish?.bind(queue);
    if (finish !== undefined) {
      fast.finish = async (data, store, key, value) => {
        // false: nothing done, the consumer stores the result and calls ack (counted there)
        const done = await finish(data, store, key, value);
        if (done) this.#finished();
        return done;
      };
    }
    const finishAndRead = fast.finishAndRead?.bind(queue);
    if (finishAndRead !== undefined) {
      fast.finishAndRead = async (data, store, key, value, count) => {
        const next = await finishAndRead(data, store, key, value, count);
        if (next !== null) this.#finished();
        return next;
      };
    }
  }

  /** Notes a call's start; the first one starts the clock. */
  started(startedAt: number): void {
    if (Number.isNaN(this.firstStart)) this.firstStart = startedAt;
  }

  #finished(): void {
    this.count++;
    if (this.count === this.#expect) {
      this.lastFinish = wallMs();
      this.#done({ count: this.count, firstStart: this.firstStart, lastFinish: this.lastFinish });
    }
  }
}
