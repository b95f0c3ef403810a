/**
 * What a benchmark run prints: the Markdown table (ratios against the
 * floors and peers), the targets of issue 16 checked, the machine, and the
 * page docs/performance.md.
 */
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { REDIS } from './backends.js';
import { formatRatio, formatSpread, formatValue, median, type Figure } from './stats.js';

/** One measured figure. */
export interface Row {
  /** Stable name, e.g. `redis.drain.50`, `bullmq.enqueue`. */
  key: string;
  scenario: string;
  backend: string;
  subject: string;
  figure: Figure;
}

/** The machine the run was on. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  redis?: string;
  bullmq: string;
  beeQueue: string;
  date: string;
  /** The 1-minute load average when the run began and when it ended. */
  load: { start: number; end: number };
}

/** Everything a run produced. */
export interface Results {
  machine: Machine;
  settings: Record<string, unknown>;
  seconds: number;
  rows: Row[];
}

async function packageVersion(name: string): Promise<string> {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(await readFile(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Cores, memory, OS, Node, Redis and the peers' versions. */
export async function describeMachine(withRedis: boolean, loadAtStart: number): Promise<Machine> {
  let redis: string | undefined;
  if (withRedis) {
    const { Redis } = await import('ioredis');
    const client = new Redis(REDIS);
    try {
      const info = await client.info('server');
      redis = /redis_version:(\S+)/.exec(info)?.[1];
    } finally {
      client.disconnect();
    }
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    node: process.version,
    ...(redis ? { redis } : {}),
    bullmq: await packageVersion('bullmq'),
    beeQueue: await packageVersion('bee-queue'),
    date: new Date().toISOString(),
    load: { start: loadAtStart, end: loadavg()[0]! },
  };
}

/** Which figure each row is compared with: the ratio shown is `numerator / denominator` (rates) of medians. */
const COMPARISONS: { row: string; numerator: string; denominator: string; label: string }[] = [
  { row: 'bullmq.enqueue', numerator: 'redis.enqueue', denominator: 'bullmq.enqueue', label: 'huey/BullMQ' },
  { row: 'bee-queue.enqueue', numerator: 'redis.enqueue', denominator: 'bee-queue.enqueue', label: 'huey/bee-queue' },
  { row: 'bullmq.bulk', numerator: 'redis.bulk', denominator: 'bullmq.bulk', label: 'huey map/addBulk' },
  { row: 'bee-queue.bulk', numerator: 'redis.bulk', denominator: 'bee-queue.bulk', label: 'huey map/saveAll' },
  { row: 'bullmq.drain.1', numerator: 'redis.drain.1', denominator: 'bullmq.drain.1', label: 'huey/BullMQ' },
  { row: 'bee-queue.drain.1', numerator: 'redis.drain.1', denominator: 'bee-queue.drain.1', label: 'huey/bee-queue' },
  { row: 'bullmq.drain.50', numerator: 'redis.drain.50', denominator: 'bullmq.drain.50', label: 'huey/BullMQ' },
  { row: 'bee-queue.drain.50', numerator: 'redis.drain.50', denominator: 'bee-queue.drain.50', label: 'huey/bee-queue' },
  { row: 'redis.drain.prefetch.1', numerator: 'redis.drain.prefetch.1', denominator: 'bullmq.drain.1', label: 'this/BullMQ' },
  { row: 'redis.drain.prefetch.50', numerator: 'redis.drain.prefetch.50', denominator: 'bullmq.drain.50', label: 'this/BullMQ' },
  { row: 'memory.floor', numerator: 'memory.e2e', denominator: 'memory.floor', label: 'huey end to end/floor' },
  { row: 'memory.floor.index', numerator: 'memory.e2e', denominator: 'memory.floor.index', label: 'huey end to end/floor' },
  { row: 'file.floor', numerator: 'file.drain.1', denominator: 'file.floor', label: 'huey drain THREADS 1/floor' },
  { row: 'redis.floor.lpush', numerator: 'redis.enqueue', denominator: 'redis.floor.lpush', label: 'huey enqueue/floor' },
  { row: 'redis.floor.pairs', numerator: 'redis.drain.1', denominator: 'redis.floor.pairs', label: 'huey drain THREADS 1/floor' },
  { row: 'redis.floor.pipelined', numerator: 'redis.drain.50', denominator: 'redis.floor.pipelined', label: 'huey drain THREADS 50/floor' },
  // latencies: huey's over the peer's, so below 1 is huey faster (the goal is at most 0.5 of BullMQ's and 1 of bee-queue's)
  ...(['bullmq', 'bee-queue'] as const).flatMap((peer) =>
    ['start', 'result'].flatMap((kind) =>
      ['p50', 'p99', 'max'].map((stat) => ({
        row: `${peer}.latency.${kind}.${stat}`,
        numerator: `redis.latency.${kind}.${stat}`,
        denominator: `${peer}.latency.${kind}.${stat}`,
        label: peer === 'bullmq' ? 'huey/BullMQ' : 'huey/bee-queue',
      })),
    ),
  ),
];

function growthComparisons(rows: Row[]): typeof COMPARISONS {
  const out: typeof COMPARISONS = [];
  for (const backend of ['file', 'redis']) {
    const growth = rows.filter((row) => row.key.startsWith(`${backend}.growth.`));
    const first = growth[0];
    if (first === undefined) continue;
    for (const row of growth.slice(1)) out.push({ row: row.key, numerator: row.key, denominator: first.key, label: `rate/rate at ${first.key.split('.').pop()}` });
  }
  return out;
}

function ratioText(rows: Row[], row: Row): string {
  const byKey = new Map(rows.map((r) => [r.key, r.figure]));
  const comparison = [...COMPARISONS, ...growthComparisons(rows)].find((c) => c.row === row.key);
  if (comparison === undefined) return '';
  const numerator = byKey.get(comparison.numerator);
  const denominator = byKey.get(comparison.denominator);
  if (numerator === undefined || denominator === undefined) return '';
  return `${comparison.label} **${formatRatio(median(numerator) / median(denominator))}**`;
}

/** A target of issue 16, checked against a run. */
export interface Target {
  target: string;
  measured: string;
  met: boolean | undefined;
}

/** The targets of issue 16 that this run's rows can check. */
export function checkTargets(rows: Row[]): Target[] {
  const get = (key: string): number | undefined => {
    const row = rows.find((r) => r.key === key);
    return row ? median(row.figure) : undefined;
  };
  const targets: Target[] = [];
  const versus = (target: string, ours: string, theirs: string, need: number): void => {
    const a = get(ours);
    const b = get(theirs);
    if (a === undefined || b === undefined) return;
    targets.push({ target, measured: `${formatValue(a, '/s')} vs ${formatValue(b, '/s')}: ${formatRatio(a / b)}`, met: a / b >= need });
  };
  const atMost = (target: string, key: string, limit: number): void => {
    const v = get(key);
    if (v !== undefined) targets.push({ target, measured: formatValue(v, 'ms'), met: v <= limit });
  };
  versus('Redis drain, THREADS 50: ≥ 2× BullMQ', 'redis.drain.50', 'bullmq.drain.50', 2);
  versus('Redis drain, THREADS 1: ≥ 2× BullMQ', 'redis.drain.1', 'bullmq.drain.1', 2);
  versus('Redis enqueue: ≥ 2× BullMQ `add()`', 'redis.enqueue', 'bullmq.enqueue', 2);
  versus('Redis bulk enqueue (`fn.map`): ≥ 3× BullMQ `addBulk()`', 'redis.bulk', 'bullmq.bulk', 3);
  for (const kind of ['start', 'result'] as const) {
    for (const stat of ['p50', 'p99'] as const) {
      const ours = get(`redis.latency.${kind}.${stat}`);
      const bull = get(`bullmq.latency.${kind}.${stat}`);
      const bee = get(`bee-queue.latency.${kind}.${stat}`);
      if (ours === undefined || bull === undefined || bee === undefined) continue;
      targets.push({
        target: `Redis latency at 200/s, ${kind === 'start' ? 'enqueue→start' : 'enqueue→result'} ${stat}: ≤ half BullMQ's and ≤ bee-queue's`,
        measured: `${formatValue(ours, 'ms')} vs BullMQ ${formatValue(bull, 'ms')} (${formatRatio(ours / bull)}), bee-queue ${formatValue(bee, 'ms')} (${formatRatio(ours / bee)})`,
        met: ours <= bull / 2 && ours <= bee,
      });
    }
  }
  const fileEnqueue = get('file.enqueue');
  if (fileEnqueue !== undefined) targets.push({ target: 'File enqueue, sequential awaited: ≥ 5,000/s', measured: formatValue(fileEnqueue, '/s'), met: fileEnqueue >= 5000 });
  const fileDrain = get('file.drain.50');
  if (fileDrain !== undefined) targets.push({ target: 'File drain, THREADS 50: ≥ 5,000/s', measured: formatValue(fileDrain, '/s'), met: fileDrain >= 5000 });
  const growthRows = rows.filter((row) => row.key.startsWith('file.growth.'));
  const growth = growthRows.filter((row) => row.figure.runs.length > 0).map((row) => median(row.figure));
  if (growth.length > 1) {
    const spread = Math.max(...growth) / Math.min(...growth);
    // a backlog skipped for the budget leaves the goal open, whatever the others say
    const skipped = growthRows.length - growth.length;
    const measured = `fastest/slowest ${formatRatio(spread)}${skipped > 0 ? ` (${skipped} backlog${skipped > 1 ? 's' : ''} skipped)` : ''}`;
    targets.push({ target: 'File drain flat within 2× from 1k to 100k queued', measured, met: skipped > 0 ? undefined : spread <= 2 });
  }
  return targets;
}

/** The results table and the targets, in Markdown. */
export function renderMarkdown(results: Results): string {
  const lines = [
    '| scenario | backend | what | median | min–max | ratio |',
    '|---|---|---|---:|---|---|',
    ...results.rows.map((row) => `| ${row.scenario} | ${row.backend} | ${row.subject} | ${formatValue(median(row.figure), row.figure.unit)} | ${formatSpread(row.figure)} | ${ratioText(results.rows, row)} |`),
    '',
  ];
  const targets = checkTargets(results.rows);
  if (targets.length > 0) {
    lines.push('| target (issue 16) | measured (medians) | met? |', '|---|---|---|');
    for (const t of targets) lines.push(`| ${t.target} | ${t.measured} | ${t.met === undefined ? 'not measured' : t.met ? 'yes' : '**no**'} |`);
    lines.push('');
  }
  const m = results.machine;
  lines.push(
    `Median of ${String(results.settings.runs)} runs (min–max), one run where marked; ${m.cpus} × ${m.cpuModel}, ${m.os}, Node ${m.node}` +
      `${m.redis ? `, Redis ${m.redis}` : ''}, BullMQ ${m.bullmq}, bee-queue ${m.beeQueue}; ${m.date}; the whole run took ${Math.round(results.seconds)} s.`,
    '',
  );
  return lines.join('\n');
}

/** The results as JSON, with the targets checked. */
export function renderJson(results: Results): string {
  const rows = results.rows.map((row) => ({ ...row, median: median(row.figure), ratio: ratioText(results.rows, row).replace(/\*/g, '') || undefined }));
  return `${JSON.stringify({ ...results, rows, targets: checkTargets(results.rows) }, null, 2)}\n`;
}

/** docs/performance.md: how to rerun, the machine, the table, then the notes (bench/notes.md). */
export function renderPage(results: Results, notes: string): string {
  const m = results.machine;
  return [
    '# Performance',
    '',
    '<!-- Written by `npm run bench`; edit bench/notes.md or bench/report.ts instead. -->',
    '',
    "huey's throughput and latency on each backend, measured in one run beside",
    'the floor each backend sets and, on Redis, beside BullMQ and bee-queue',
    'against the same Redis, with the same number of calls and the same',
    'concurrency. Each figure is the median of three runs, with the smallest and',
    'largest beside it; ratios are of medians.',
    '',
    '## Rerun it',
    '',
    '<!-- not-run: the benchmarks take minutes and load the machine -->',
    '```sh',
    `npm run bench                                   # everything (${Math.round(results.seconds / 60)} minutes here); writes this page`,
    'npm run bench -- --backend redis --n 5000       # one backend, fewer calls',
    'npm run bench -- --backend memory --json        # JSON instead of Markdown',
    'HUEY_BENCH_PROFILE=prof npm run bench -- --backend file   # node --cpu-prof of the worker processes',
    '```',
    '',
    'It needs a Redis at 127.0.0.1:6379 for the Redis rows (`HUEY_BENCH_REDIS_HOST`',
    'and `HUEY_BENCH_REDIS_PORT` point elsewhere). It touches only keys that start',
    'with `hueybench.<its pid>.` and deletes them at the end.',
    '',
    '## The machine',
    '',
    `- ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}`,
    `- Node ${m.node}${m.redis ? `; Redis ${m.redis} on loopback` : ''}; BullMQ ${m.bullmq}, bee-queue ${m.beeQueue}`,
    `- run on ${m.date}; the whole \`npm run bench\` took ${Math.round(results.seconds)} s`,
    '',
    `This is a small machine that other work may share: the 1-minute load average was ${m.load.start.toFixed(1)} when the`,
    `run began and ${m.load.end.toFixed(1)} when it ended (the run itself keeps one to two cores busy). Figures`,
    'move from run to run, by several times while other work runs: read the',
    'min–max beside each median. Ratios are of medians; huey and the peers',
    'took their Redis enqueue, drain and latency runs in turn, seconds apart;',
    'the floors were measured minutes apart.',
    '',
    '## Results',
    '',
    renderMarkdown(results),
    notes.trim(),
    '',
  ].join('\n');
}
