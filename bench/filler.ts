/**
 * A writer process of bench/fill: calls the no-op `HUEY_BENCH_FILL` times on
 * the queue named by the environment (see `specEnv`), 16 calls in flight,
 * through the backend's own `write`, then prints one JSON line,
 * `{"count","ms"}`, and exits.
 */
import { noopInvoker, openBackend, specFromEnv } from './backends.js';
import { exitWithParent } from './child.js';
import { callInLanes } from './fill.js';

exitWithParent();
const count = Number(process.env.HUEY_BENCH_FILL);
if (!Number.isInteger(count) || count < 1) throw new Error(`HUEY_BENCH_FILL: expected a positive integer, got "${process.env.HUEY_BENCH_FILL}"`);
const opened = await openBackend(specFromEnv());
try {
  const { noop } = noopInvoker(opened);
  const started = performance.now();
  await callInLanes(noop, count);
  process.stdout.write(`${JSON.stringify({ count, ms: performance.now() - started })}\n`);
} finally {
  await opened.close();
}
