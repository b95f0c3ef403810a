/**
 * A peer's worker in a process of its own, as its users run it:
 * `node dist/bench/peer-worker.js <bullmq|bee-queue> <queue> <prefix> <concurrency> <expect>`.
 * Runs the same no-op (returns the instant it started) and prints one JSON
 * line, `{"count","firstStart","lastFinish"}`, once `expect` jobs are done
 * (BullMQ's `completed`, bee-queue's `succeeded`: after the result is stored),
 * and exits. Stops cleanly on SIGTERM before that.
 */
import BeeQueue from 'bee-queue';
import { Worker } from 'bullmq';
import { REDIS } from './backends.js';
import { exitWithParent, waitForGo } from './child.js';
import { wallMs } from './stats.js';

exitWithParent();
const [peer, queue, prefix, concurrencyArg, expectArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const expect = Number(expectArg);
let count = 0;
let firstStart = NaN;

function noop(): number {
  const startedAt = wallMs();
  if (Number.isNaN(firstStart)) firstStart = startedAt;
  return startedAt;
}

function finished(): void {
  count++;
  // the measured part is over: exit as huey's consumer does (bench/config), the queue is removed next anyway
  if (count === expect) process.stdout.write(`${JSON.stringify({ count, firstStart, lastFinish: wallMs() })}\n`, () => process.exit(0));
}

// started while the queue fills; the worker starts only now
await waitForGo();

let close: () => Promise<void>;
if (peer === 'bullmq') {
  const worker = new Worker(queue!, async () => noop(), { connection: { ...REDIS, maxRetriesPerRequest: null }, prefix: prefix!, concurrency });
  worker.on('completed', finished);
  worker.on('error', (error) => process.stderr.write(`${error.stack}\n`));
  close = () => worker.close();
} else if (peer === 'bee-queue') {
  const bee = new BeeQueue(queue!, { redis: REDIS, prefix: prefix!, getEvents: false });
  bee.process(concurrency, async () => noop());
  bee.on('succeeded', finished);
  bee.on('error', (error) => process.stderr.write(`${error.stack}\n`));
  close = () => bee.close();
} else {
  throw new Error(`unknown peer ${peer}`);
}

process.once('SIGTERM', () => {
  void close().then(() => process.exit(0));
});
