/**
 * Scenario 4, growth: the drain rate (consumer process, THREADS 50) with
 * 1k, 10k and 100k calls queued, timed over the first `--growth-sample`
 * (default `--n`) of them, to show that the cost of a message stays flat.
 */
import type { BackendName } from './backends.js';
import type { Context } from './context.js';
import { fresh } from './names.js';
import { measure } from './progress.js';
import { median } from './stats.js';
import { drainRate } from './huey.js';

/** Seconds a growth run costs beyond its fill and its timed drain: the consumer's boot and stop, flushing what is left. */
const RUN_OVERHEAD_SECONDS = 5;

/**
 * Runs the growth rows of `backend`, backlogs in increasing order. A
 * backlog the size of `--n` with the whole of it sampled is the THREADS 50
 * drain row itself, shown again; a backlog larger than the sample is filled
 * and measured once (the table says "one run"). A backlog whose estimated
 * time (its fill at the fastest rate seen for this backend, plus the
 * sample at the drain rate) would take the whole run past `--budget` is
 * skipped, and its row says so.
 */
export async function runGrowth(ctx: Context, backend: BackendName): Promise<void> {
  const { options } = ctx;
  for (const size of options.growth) {
    const sample = Math.min(size, options.growthSample ?? options.n);
    const drain = ctx.row(`${backend}.drain.50`);
    if (size === options.n && sample === size && drain !== undefined) {
      ctx.add({ key: `${backend}.growth.${size}`, scenario: '4 growth', backend, subject: `huey: drain with ${size.toLocaleString('en-US')} queued, consumer process, THREADS 50 (the drain row above)`, figure: drain.figure });
      continue;
    }
    const runs = sample < size ? 1 : options.runs;
    const what = `huey: drain with ${size.toLocaleString('en-US')} queued${sample < size ? ` (the first ${sample.toLocaleString('en-US')})` : ''}, consumer process, THREADS 50`;
    const estimate = estimateSeconds(ctx, backend, size, sample, runs);
    if (estimate !== undefined && ctx.timeline.elapsed() + estimate > options.budget) {
      ctx.timeline.line(`${backend} growth ${size.toLocaleString('en-US')}: skipped, about ${Math.round(estimate)} s more would take the run past its ${options.budget} s budget`);
      ctx.add({ key: `${backend}.growth.${size}`, scenario: '4 growth', backend, subject: `${what}: skipped, about ${Math.round(estimate)} s more would take the run past its budget (${options.budget} s, \`--budget\`)`, figure: { runs: [], unit: '/s' } });
      continue;
    }
    const figure = await measure(ctx.timeline, `${backend} growth ${size.toLocaleString('en-US')}`, runs, '/s', () =>
      fresh(ctx.names, backend, async (spec) => ctx.drained(backend, size, await drainRate(spec, { queued: size, threads: 50, sample }))),
    );
    ctx.add({ key: `${backend}.growth.${size}`, scenario: '4 growth', backend, subject: `${what}${runs < options.runs ? ' (one run)' : ''}`, figure });
  }
}

/** Seconds `runs` growth runs of `size` (timed over `sample`) should take, from this run's fill and drain rates; `undefined` when there are none yet. */
function estimateSeconds(ctx: Context, backend: BackendName, size: number, sample: number, runs: number): number | undefined {
  const fillRate = ctx.fillRate(backend);
  const drained = [...ctx.rows].reverse().find((row) => (row.key === `${backend}.drain.50` || row.key.startsWith(`${backend}.growth.`)) && row.figure.runs.length > 0);
  if (fillRate === undefined || drained === undefined) return undefined;
  return runs * (size / fillRate + sample / median(drained.figure) + RUN_OVERHEAD_SECONDS);
}
