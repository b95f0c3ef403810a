/**
 * What `GET /metrics` answers: the queue's state now (gauges read from the
 * backend at each scrape) and what its consumers did (counters every
 * consumer adds to in the backend, see `history.ts`), in the Prometheus
 * text format.
 *
 * @module
 */
import type { BaseQueue } from '../backends/base.js';
import { canInspect } from '../backends/inspection.js';
import { recordsOf } from '../backends/records.js';
import { deadLettersOf } from '../controls/dead-letters.js';
import { OUTCOMES, RUN_SECONDS_BUCKETS } from './history.js';
import { formatMetrics, type MetricFamily, type Sample } from './prometheus.js';

/** A gauge of one queue with one sample, or none when the backend cannot tell. */
function gauge(name: string, help: string, queue: string, value: number | undefined): MetricFamily {
  return { name, help, type: 'gauge', samples: value === undefined ? [] : [{ labels: { queue }, value }] };
}

/**
 * The metric families of one queue, read now.
 *
 * @param queue - The queue to scrape.
 * @returns Gauges of its state, and counters and a histogram of its calls when its backend keeps records.
 * @throws QueueException when the backend cannot be reached.
 */
export async function queueMetrics(queue: BaseQueue): Promise<MetricFamily[]> {
  const looks = canInspect(queue) ? queue : undefined;
  const records = recordsOf(queue);
  const [waiting, scheduled, claims, consumers, dead, counters] = await Promise.all([
    queue.length(),
    looks?.scheduled(Infinity),
    looks?.claims(),
    looks?.consumers(),
    deadLettersOf(queue)?.deadLetters(),
    records?.counters(),
  ]);
  const name = queue.name;
  const families: MetricFamily[] = [
    gauge('huey_queue_waiting', 'Calls waiting in the queue.', name, waiting),
    gauge('huey_queue_scheduled', 'Calls waiting for their eta in the schedule.', name, scheduled?.length),
    gauge('huey_queue_in_flight', 'Calls taken by a consumer and not acknowledged.', name, claims?.length),
    gauge('huey_queue_dead_letters', 'Messages kept in the dead letters.', name, dead?.length),
    gauge('huey_queue_consumers', 'Consumers alive by their heartbeat.', name, consumers?.filter((c) => c.alive).length),
  ];
  if (counters !== undefined) families.push(...countedFamilies(name, counters));
  return families;
}

/** The counters of the backend as a counter of calls and a histogram of run time, per command. */
function countedFamilies(queue: string, counters: Map<string, number>): MetricFamily[] {
  const calls: Sample[] = [];
  const runs = new Map<string, { buckets: Map<string, number>; sum: number; count: number }>();
  const runsOf = (command: string) => {
    let run = runs.get(command);
    if (run === undefined) runs.set(command, (run = { buckets: new Map(), sum: 0, count: 0 }));
    return run;
  };
  for (const [key, value] of [...counters].sort(([a], [b]) => a.localeCompare(b))) {
    let parts: unknown;
    try {
      parts = JSON.parse(key);
    } catch {
      // a field written by something else: not ours to show
      continue;
    }
    if (!Array.isArray(parts) || typeof parts[1] !== 'string') continue;
    const [kind, command, extra] = parts as [string, string, string | undefined];
    if (kind === 'calls' && OUTCOMES.includes(extra as never)) calls.push({ labels: { queue, command, outcome: extra! }, value });
    else if (kind === 'run_seconds_bucket' && extra !== undefined) runsOf(command).buckets.set(extra, value);
    else if (kind === 'run_seconds_sum') runsOf(command).sum = value;
    else if (kind === 'run_seconds_count') runsOf(command).count = value;
  }
  const histogram: Sample[] = [];
  for (const [command, run] of runs) {
    // the backend keeps each bucket's own count; the format wants them cumulative
    let below = 0;
    for (const le of [...RUN_SECONDS_BUCKETS.map(String), '+Inf']) {
      below += run.buckets.get(le) ?? 0;
      histogram.push({ suffix: '_bucket', labels: { queue, command, le }, value: le === '+Inf' ? run.count : below });
    }
    histogram.push({ suffix: '_sum', labels: { queue, command }, value: run.sum }, { suffix: '_count', labels: { queue, command }, value: run.count });
  }
  return [
    { name: 'huey_calls_total', help: 'Attempts of calls whose fate was settled, per command and outcome, by every consumer of the queue.', type: 'counter', samples: calls },
    { name: 'huey_call_run_seconds', help: 'How long calls ran, per command, by every consumer of the queue.', type: 'histogram', samples: histogram },
  ];
}

/**
 * The scrape of one queue in the Prometheus text format 0.0.4.
 *
 * @param queue - The queue to scrape.
 * @throws QueueException when the backend cannot be reached.
 */
export async function scrape(queue: BaseQueue): Promise<string> {
  return formatMetrics(await queueMetrics(queue));
}
