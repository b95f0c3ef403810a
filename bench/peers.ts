/**
 * The peers, BullMQ and bee-queue, on the same Redis with the same N and
 * concurrency as huey: their producer API here, their workers in
 * bench/peer-worker (a process of its own, like huey's consumer).
 */
import BeeQueue from 'bee-queue';
import { Queue, QueueEvents } from 'bullmq';
import { join } from 'node:path';
import type { DrainReport } from './backends.js';
import { REDIS } from './backends.js';
import { Child, ROOT } from './child.js';
import { paced, type Drained, type Latency } from './huey.js';
import { rate, wallMs } from './stats.js';

/** The peers compared with. */
export type PeerName = 'bullmq' | 'bee-queue';
export const PEERS: readonly PeerName[] = ['bullmq', 'bee-queue'];
/** How the table names each peer, and the producer call its enqueue row measures. */
export const PEER_LABEL = { bullmq: 'BullMQ', 'bee-queue': 'bee-queue' } as const;
export const PEER_ADD = { bullmq: '`Queue.add()`', 'bee-queue': '`createJob().save()`' } as const;
export const PEER_BULK = { bullmq: '`Queue.addBulk()`', 'bee-queue': '`saveAll()`' } as const;

/** The key prefix of a peer's queues, under the run's own prefix. */
export function peerPrefix(runPrefix: string, peer: PeerName): string {
  return `${runPrefix}${peer === 'bullmq' ? 'bull' : 'bq'}`;
}

/** A peer's producer: add one job, add many, remove everything. */
interface Producer {
  add(sentAt: number): Promise<unknown>;
  addMany(count: number): Promise<void>;
  destroy(): Promise<void>;
}

async function producer(peer: PeerName, queue: string, prefix: string): Promise<Producer> {
  if (peer === 'bullmq') {
    const bull = new Queue(queue, { connection: REDIS, prefix });
    await bull.waitUntilReady();
    return {
      add: (sentAt) => bull.add('noop', { sentAt }),
      addMany: async (count) => {
        for (let i = 0; i < count; i += 1000) await bull.addBulk(Array.from({ length: Math.min(1000, count - i) }, () => ({ name: 'noop', data: { sentAt: wallMs() } })));
      },
      destroy: async () => {
        await bull.obliterate({ force: true });
        await bull.close();
      },
    };
  }
  const bee = new BeeQueue(queue, { redis: REDIS, prefix, isWorker: false, getEvents: false });
  await bee.ready();
  return {
    add: (sentAt) => bee.createJob({ sentAt }).save(),
    addMany: async (count) => {
      for (let i = 0; i < count; i += 1000) await bee.saveAll(Array.from({ length: Math.min(1000, count - i) }, () => bee.createJob({ sentAt: wallMs() })));
    },
    destroy: async () => {
      await bee.destroy();
      await bee.close();
    },
  };
}

/** Sequential awaited adds (BullMQ `Queue.add`, bee-queue `createJob().save()`); jobs/s. */
export async function peerEnqueueRate(peer: PeerName, queue: string, prefix: string, n: number): Promise<number> {
  const p = await producer(peer, queue, prefix);
  try {
    await p.add(wallMs());
    const start = performance.now();
    for (let i = 0; i < n; i++) await p.add(wallMs());
    return rate(n, performance.now() - start);
  } finally {
    await p.destroy();
  }
}

/** `n` jobs added in chunks of 1,000 (BullMQ's `addBulk`, bee-queue's `saveAll`); jobs/s. */
export async function peerBulkRate(peer: PeerName, queue: string, prefix: string, n: number): Promise<number> {
  const p = await producer(peer, queue, prefix);
  try {
    await p.add(wallMs());
    const start = performance.now();
    await p.addMany(n);
    return rate(n, performance.now() - start);
  } finally {
    await p.destroy();
  }
}

/** `n` jobs queued, then one worker process at `concurrency`; jobs/s from the first start to the last completion, and how long the fill took. */
export async function peerDrainRate(peer: PeerName, queue: string, prefix: string, n: number, concurrency: number): Promise<Drained> {
  const p = await producer(peer, queue, prefix);
  try {
    // the worker process boots while the queue fills, and starts once it is full
    const child = new Child(`${peer} worker -c ${concurrency}`, [join(ROOT, 'dist', 'bench', 'peer-worker.js'), peer, queue, prefix, String(concurrency), String(n)], { HUEY_BENCH_GO: '1' });
    try {
      const filling = performance.now();
      await p.addMany(n);
      const fillMs = performance.now() - filling;
      const goAt = wallMs();
      child.go();
      const report = await child.report<DrainReport>(60_000 + n * 10);
      return { rate: rate(report.count, report.lastFinish - report.firstStart), fillMs, bootWaitMs: Math.max(0, report.firstStart - goAt) };
    } finally {
      await child.stop();
    }
  } finally {
    await p.destroy();
  }
}

/**
 * The latency scenario on a peer, as on huey: one waiting worker process
 * (`concurrency`), `perSecond` jobs a second for `seconds`, each job's
 * result awaited by the producer the way the peer documents it (BullMQ
 * `QueueEvents`' `completed`, bee-queue the queue's `job succeeded` event); enqueue→start is from the `add` call to the job's start in the
 * worker, enqueue→result until the producer holds the result.
 */
export async function peerLatency(peer: PeerName, queue: string, prefix: string, seconds: number, perSecond: number, concurrency: number): Promise<Latency> {
  const child = new Child(`${peer} worker -c ${concurrency}`, [join(ROOT, 'dist', 'bench', 'peer-worker.js'), peer, queue, prefix, String(concurrency), '0']);
  try {
    if (peer === 'bullmq') {
      const bull = new Queue(queue, { connection: REDIS, prefix });
      const events = new QueueEvents(queue, { connection: REDIS, prefix });
      // one listener for all jobs, as waitUntilFinished does inside, without a listener per job on the queue
      const waiting = new Map<string, (startedAt: number) => void>();
      events.on('completed', ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) => {
        waiting.get(jobId)?.(typeof returnvalue === 'string' ? (JSON.parse(returnvalue) as number) : (returnvalue as number));
        waiting.delete(jobId);
      });
      let next = 0;
      try {
        await Promise.all([bull.waitUntilReady(), events.waitUntilReady()]);
        return await paced(async () => {
          const jobId = `j${++next}`;
          const done = new Promise<number>((resolve) => waiting.set(jobId, resolve));
          const sentAt = wallMs();
          await bull.add('noop', { sentAt }, { jobId });
          const startedAt = await done;
          return [startedAt - sentAt, wallMs() - sentAt];
        }, seconds, perSecond);
      } finally {
        await events.close();
        await bull.obliterate({ force: true });
        await bull.close();
      }
    }
    const bee = new BeeQueue(queue, { redis: REDIS, prefix, isWorker: false, getEvents: true });
    // the queue's `job succeeded` event, by job id: a job's own event is lost when the worker finishes the job
    // before this process has the reply to its save (the event comes on another connection)
    const waiting = new Map<string, (startedAt: number) => void>();
    const early = new Map<string, number>();
    bee.on('job succeeded', (jobId: string, result: number) => {
      const resolve = waiting.get(jobId);
      if (resolve === undefined) early.set(jobId, result);
      else resolve(result);
      waiting.delete(jobId);
    });
    try {
      await bee.ready();
      return await paced(async () => {
        const sentAt = wallMs();
        const job = await bee.createJob({ sentAt }).save();
        const startedAt = early.has(job.id) ? early.get(job.id)! : await new Promise<number>((resolve) => waiting.set(job.id, resolve));
        early.delete(job.id);
        return [startedAt - sentAt, wallMs() - sentAt];
      }, seconds, perSecond);
    } finally {
      await bee.destroy();
      await bee.close();
    }
  } finally {
    await child.stop();
  }
}
