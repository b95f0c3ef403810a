/**
 * The consumer configuration the benchmarks run, as users run theirs:
 * `node bin/huey-consumer.js dist.bench.config.Configuration -t 50`.
 * Which backend, queue and how many calls to expect come from the
 * environment (set by bench/run). Once the expected number of calls is
 * done it prints one JSON line on stdout, `{"count","firstStart","lastFinish"}`,
 * and exits.
 */
import { BaseConfiguration } from 'huey/bin/config';
import { registry } from 'huey/registry';
import { DrainCounter, noopInvoker, openBackend, specFromEnv } from './backends.js';
import { exitWithParent, waitForGo } from './child.js';

exitWithParent();
const env = process.env;
const opened = await openBackend(specFromEnv(env));
const expect = Number(env.HUEY_BENCH_EXPECT ?? Infinity);
// the measured part is over once the report is out: exit then, instead of a clean stop that waits out the
// consumer's blocking read (up to a second a run); the run's queue is flushed or removed next anyway
const counter = new DrainCounter(opened.queue, expect, (report) => process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0)));
noopInvoker(opened, (_sentAt, startedAt) => counter.started(startedAt), registry);

// started while the queue fills; the consumer starts (and the clock with it) only now
await waitForGo();

/** The benchmark consumer's configuration; `-t` sets THREADS. */
export class Configuration extends BaseConfiguration {
  static override QUEUE = opened.queue;
  static override RESULT_STORE = opened.store;
  static override LOGLEVEL = 'warn' as const;
}
