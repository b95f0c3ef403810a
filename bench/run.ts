/**
 * `npm run bench [-- --backend memory|file|redis --n N --json]`: huey's
 * throughput and latency on each backend, beside the floor each backend
 * sets and, on Redis, beside BullMQ and bee-queue in the same run.
 * Progress goes to stderr; the Markdown table (or JSON) to stdout; the full
 * default run also writes docs/performance.md.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKENDS, REDIS, type BackendName, type BackendSpec } from './backends.js';
import { ROOT } from './child.js';
import { arrayFloor, encodedMessages, fileFloor, redisFloors } from './floors.js';
import { drainRate, enqueueRate, latency, memoryEndToEnd, type Latency } from './huey.js';
import { describeMachine, renderJson, renderMarkdown, renderPage, type Results, type Row } from './report.js';
import type { Figure } from './stats.js';
import { formatValue } from './stats.js';

interface Options {
  backend: BackendName[];
  n: number;
  runs: number;
  seconds: number;
  rate: number;
  growth: number[];
  growthSample?: number;
  budget: number;
  peers: boolean;
  extras: boolean;
  json: boolean;
  docs?: string | boolean;
  /** Whether `--n` was on the command line. */
  nGiven?: boolean;
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return Number(value);
}

function parse(argv: string[]): { options: Options; full: boolean } {
  const cli = new Command('bench')
    .description("huey's throughput and latency, beside the floors and the peers")
    .addOption(new Option('-b, --backend <names...>', 'backends to run').choices(BACKENDS as string[]).default([...BACKENDS]))
    .addOption(new Option('-n, --n <calls>', 'calls per enqueue and drain run (memory: 20,000 unless given)').argParser(positiveInt).default(10_000))
    .addOption(new Option('--runs <count>', 'runs of each figure (the median is shown)').argParser(positiveInt).default(3))
    .addOption(new Option('--seconds <s>', 'length of a latency run').argParser(positiveInt).default(10))
    .addOption(new Option('--rate <calls>', 'calls per second of a latency run').argParser(positiveInt).default(200))
    .addOption(new Option('--growth <sizes>', 'backlogs of the growth scenario, comma-separated').argParser((v: string) => v.split(',').map(positiveInt)).default([1_000, 10_000, 100_000]))
    .addOption(new Option('--growth-sample <calls>', 'calls drained (timed) from each growth backlog; default: --n').argParser(positiveInt))
    .addOption(new Option('--budget <s>', 'seconds of growth runs a backend may take; larger backlogs that would pass it are skipped').argParser(positiveInt).default(90))
    .addOption(new Option('--extras', 'also the extra rows: file drain in-process, Redis drain with prefetch 50').default(false))
    .addOption(new Option('--no-peers', 'skip BullMQ and bee-queue'))
    .addOption(new Option('--json', 'print JSON instead of Markdown').default(false))
    .addOption(new Option('--docs [file]', 'also write the Markdown page (default docs/performance.md; the full default run always does)'))
    .addOption(new Option('--no-docs', 'never write the page'));
  cli.parse(argv, { from: 'user' });
  const options = cli.opts<Options>();
  options.nGiven = argv.some((arg) => /^(-n|--n)(=|$)/.test(arg));
  const full = argv.every((arg) => !/^(-b|--backend|-n|--n|--runs|--seconds|--rate|--growth|--budget|--no-peers)/.test(arg));
  return { options, full };
}

const started = performance.now();
function progress(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
}

/** Runs `once` `runs` times, with progress on stderr. */
async function measure(what: string, runs: number, unit: Figure['unit'], once: (run: number) => Promise<number>): Promise<Figure> {
  const figure: Figure = { runs: [], unit };
  for (let run = 0; run < runs; run++) {
    const value = await once(run);
    figure.runs.push(value);
    progress(`${what}: run ${run + 1}/${runs}: ${formatValue(value, unit)}`);
  }
  return figure;
}

/** Unique names for this process's queues and keys, and the scratch directory of the file backend. */
class Names {
  readonly prefix = `hueybench.${process.pid}.`;
  #count = 0;
  #base: string | undefined;

  next(): string {
    return `q${++this.#count}`;
  }

  async spec(backend: BackendName): Promise<BackendSpec> {
    const queue = this.next();
    if (backend === 'file') {
      this.#base ??= await mkdtemp(join(tmpdir(), 'huey-bench-'));
      return { backend, queue, path: join(this.#base, queue) };
    }
    return backend === 'redis' ? { backend, queue, prefix: this.prefix } : { backend, queue };
  }

  async removeDir(spec: BackendSpec): Promise<void> {
    if (spec.path) await rm(spec.path, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    if (this.#base) await rm(this.#base, { recursive: true, force: true });
  }
}

/** Measures with a fresh queue (and directory) each run. */
async function fresh<T>(names: Names, backend: BackendName, body: (spec: BackendSpec) => Promise<T>): Promise<T> {
  const spec = await names.spec(backend);
  try {
    return await body(spec);
  } finally {
    await names.removeDir(spec);
  }
}

function latencyRows(backend: BackendName, runs: Latency[], threads: number, options: Options): Row[] {
  const rows: Row[] = [];
  for (const kind of ['start', 'result'] as const) {
    for (const stat of ['p50', 'p99', 'max'] as const) {
      rows.push({
        key: `${backend}.latency.${kind}.${stat}`,
        scenario: '3 latency',
        backend,
        subject: `${kind === 'start' ? 'enqueue→start' : 'enqueue→result in producer'} ${stat} (${options.rate}/s for ${options.seconds} s, THREADS ${threads})`,
        figure: { runs: runs.map((run) => run[kind][stat]), unit: 'ms' },
      });
    }
  }
  return rows;
}

/** Calls per run on the memory backend when `--n` is not given: it is cheap, and more calls steady its figures. */
const MEMORY_N = 20_000;

async function runBackend(backend: BackendName, options: Options, names: Names, rows: Row[]): Promise<void> {
  const { runs } = options;
  const n = backend === 'memory' && options.nGiven !== true ? MEMORY_N : options.n;
  const add = (row: Row): void => {
    rows.push(row);
  };
  const messages = await encodedMessages(n);

  // 1 enqueue
  const enqueue = await measure(`${backend} enqueue`, runs, '/s', () => fresh(names, backend, (spec) => enqueueRate(spec, n)));
  add({ key: `${backend}.enqueue`, scenario: '1 enqueue', backend, subject: `huey: ${n.toLocaleString('en-US')} sequential awaited calls`, figure: enqueue });

  // 2 drain
  const where = backend === 'memory' ? 'in-process consumer' : 'consumer process';
  for (const threads of [1, 50]) {
    const figure = await measure(`${backend} drain THREADS ${threads}`, runs, '/s', () => fresh(names, backend, (spec) => drainRate(spec, n, threads)));
    add({ key: `${backend}.drain.${threads}`, scenario: '2 drain', backend, subject: `huey: ${n.toLocaleString('en-US')} queued, ${where}, THREADS ${threads}`, figure });
  }
  if (backend === 'file' && options.extras) {
    const figure = await measure(`${backend} drain in-process THREADS 50`, runs, '/s', () => fresh(names, backend, (spec) => drainRate(spec, n, 50, true)));
    add({ key: `${backend}.drain.inprocess.50`, scenario: '2 drain', backend, subject: `huey: ${n.toLocaleString('en-US')} queued, in-process consumer, THREADS 50 (extra)`, figure });
  }
  if (backend === 'redis' && options.extras) {
    // the backend's own fetch-ahead knob, off by default: how much of the gap to the peers it closes
    for (const threads of [1, 50]) {
      const figure = await measure(`redis drain THREADS ${threads} prefetch 50`, runs, '/s', () => fresh(names, backend, (spec) => drainRate({ ...spec, prefetch: 50 }, n, threads)));
      add({ key: `redis.drain.prefetch.${threads}`, scenario: '2 drain', backend, subject: `huey: ${n.toLocaleString('en-US')} queued, consumer process, THREADS ${threads}, queue option \`prefetch: 50\` (extra)`, figure });
    }
  }
  if (backend === 'memory') {
    const figure = await measure('memory end to end', runs, '/s', () => memoryEndToEnd(n, 50));
    add({ key: 'memory.e2e', scenario: '2 drain', backend, subject: `huey end to end in one process: ${n.toLocaleString('en-US')} enqueued, in-process consumer THREADS 50, every result read`, figure });
  }

  // 3 latency
  // THREADS 50, so that a call never waits for the previous one's bookkeeping: what is measured is the path, not the throughput
  const latencyThreads = 50;
  const latencyRuns: Latency[] = [];
  for (let run = 0; run < runs; run++) {
    const result = await fresh(names, backend, (spec) => latency(spec, options.seconds, options.rate, latencyThreads));
    latencyRuns.push(result);
    progress(`${backend} latency: run ${run + 1}/${runs}: start p50 ${formatValue(result.start.p50, 'ms')} p99 ${formatValue(result.start.p99, 'ms')}, result p50 ${formatValue(result.result.p50, 'ms')}`);
  }
  for (const row of latencyRows(backend, latencyRuns, latencyThreads, options)) add(row);

  // floors
  if (backend === 'memory') {
    const figure = await measure('memory floor', runs, '/s', async () => arrayFloor(messages));
    add({ key: 'memory.floor', scenario: 'floor', backend, subject: `plain array: push then shift() the same ${n.toLocaleString('en-US')} encoded messages`, figure });
    const indexed = await measure('memory floor (head index)', runs, '/s', async () => arrayFloor(messages, 'index'));
    add({ key: 'memory.floor.index', scenario: 'floor', backend, subject: 'plain array: push, then read with a moving head index (no shift)', figure: indexed });
  }
  if (backend === 'file') {
    const figure = await measure('file floor', runs, '/s', () => fresh(names, backend, (spec) => fileFloor(spec.path!, messages)));
    add({ key: 'file.floor', scenario: 'floor', backend, subject: 'write + rename + rename + unlink of the same bytes, one message at a time', figure });
  }
  if (backend === 'redis') {
    const { Redis } = await import('ioredis');
    const client = new Redis(REDIS);
    try {
      const floors = { lpush: { runs: [] as number[], unit: '/s' as const }, pairs: { runs: [] as number[], unit: '/s' as const }, pipelined: { runs: [] as number[], unit: '/s' as const } };
      for (let run = 0; run < runs; run++) {
        const result = await redisFloors(client, names.prefix, messages);
        floors.lpush.runs.push(result.lpush);
        floors.pairs.runs.push(result.pairs);
        floors.pipelined.runs.push(result.pipelined);
        progress(`redis floors: run ${run + 1}/${runs}: LPUSH ${formatValue(result.lpush, '/s')}, LPUSH+BRPOP ${formatValue(result.pairs, '/s')}, pipelined ${formatValue(result.pipelined, '/s')}`);
      }
      add({ key: 'redis.floor.lpush', scenario: 'floor', backend, subject: 'raw LPUSH, one awaited at a time (ioredis)', figure: floors.lpush });
      add({ key: 'redis.floor.pairs', scenario: 'floor', backend, subject: 'raw LPUSH then BRPOP, one pair at a time (ioredis)', figure: floors.pairs });
      add({ key: 'redis.floor.pipelined', scenario: 'floor', backend, subject: 'pipelined LPUSH, 1,000 a pipeline (ioredis)', figure: floors.pipelined });
    } finally {
      client.disconnect();
    }
    if (options.peers) await runPeers(options, names, rows);
  }
}

/** A growth run's cost, to tell whether a larger backlog fits in the budget: filling grows with the backlog, the rest does not. */
interface GrowthCost {
  size: number;
  fillSeconds: number;
  otherSeconds: number;
}

/**
 * 4 growth: drain rate (consumer process, THREADS 50) with each backlog
 * queued, over its first `sample` calls. Run last, backlogs in increasing
 * order; a backlog whose estimated time (scaled from the previous one)
 * would pass the backend's growth budget is skipped and says so.
 */
async function runGrowth(backend: BackendName, options: Options, names: Names, rows: Row[]): Promise<void> {
  const { runs } = options;
  const begun = performance.now();
  let previous: GrowthCost | undefined;
  for (const size of options.growth) {
    const sample = Math.min(size, options.growthSample ?? options.n);
    const same = size === options.n && sample === size ? rows.find((row) => row.key === `${backend}.drain.50`) : undefined;
    if (same !== undefined) {
      // the drain row at THREADS 50 is this very measurement
      rows.push({ key: `${backend}.growth.${size}`, scenario: '4 growth', backend, subject: `huey: drain with ${size.toLocaleString('en-US')} queued, consumer process, THREADS 50 (the drain row above)`, figure: same.figure });
      continue;
    }
    const sizeRuns = size > options.n ? 1 : runs;
    const what = `huey: drain with ${size.toLocaleString('en-US')} queued${sample < size ? ` (the first ${sample.toLocaleString('en-US')})` : ''}, consumer process, THREADS 50`;
    const elapsed = (performance.now() - begun) / 1000;
    const estimate = previous === undefined ? 0 : sizeRuns * ((previous.fillSeconds * size) / previous.size + previous.otherSeconds);
    if (previous !== undefined && elapsed + estimate > options.budget) {
      progress(`${backend} growth ${size.toLocaleString('en-US')}: skipped, about ${Math.round(estimate)} s more would pass its ${options.budget} s budget`);
      rows.push({ key: `${backend}.growth.${size}`, scenario: '4 growth', backend, subject: `${what}: skipped, filling it would pass the growth budget (${options.budget} s a backend; about ${Math.round(estimate)} s more)`, figure: { runs: [], unit: '/s' } });
      continue;
    }
    const t0 = performance.now();
    let fillMs = 0;
    const figure = await measure(`${backend} growth ${size.toLocaleString('en-US')}`, sizeRuns, '/s', async () => {
      const timing = { fillMs: 0 };
      const value = await fresh(names, backend, (spec) => drainRate(spec, size, 50, false, sample, timing));
      fillMs += timing.fillMs;
      return value;
    });
    const seconds = (performance.now() - t0) / 1000 / sizeRuns;
    previous = { size, fillSeconds: fillMs / 1000 / sizeRuns, otherSeconds: seconds - fillMs / 1000 / sizeRuns };
    rows.push({ key: `${backend}.growth.${size}`, scenario: '4 growth', backend, subject: `${what}${sizeRuns < runs ? ' (one run)' : ''}`, figure });
  }
}

async function runPeers(options: Options, names: Names, rows: Row[]): Promise<void> {
  const { PEERS, peerDrainRate, peerEnqueueRate } = await import('./peers.js');
  const { n, runs } = options;
  const label = { bullmq: 'BullMQ', 'bee-queue': 'bee-queue' } as const;
  const api = { bullmq: '`Queue.add()`', 'bee-queue': '`createJob().save()`' } as const;
  for (const peer of PEERS) {
    const prefix = `${names.prefix}${peer === 'bullmq' ? 'bull' : 'bq'}`;
    const figure = await measure(`${peer} enqueue`, runs, '/s', () => peerEnqueueRate(peer, names.next(), prefix, n));
    rows.push({ key: `${peer}.enqueue`, scenario: '1 enqueue', backend: 'redis', subject: `${label[peer]}: ${n.toLocaleString('en-US')} sequential awaited ${api[peer]}`, figure });
    for (const concurrency of [1, 50]) {
      const drain = await measure(`${peer} drain concurrency ${concurrency}`, runs, '/s', () => peerDrainRate(peer, names.next(), prefix, n, concurrency));
      rows.push({ key: `${peer}.drain.${concurrency}`, scenario: '2 drain', backend: 'redis', subject: `${label[peer]}: ${n.toLocaleString('en-US')} queued, worker process, concurrency ${concurrency}`, figure: drain });
    }
  }
}

/** Deletes every Redis key this process made (and nothing else): SCAN for the prefix, UNLINK. */
async function cleanRedis(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis({ ...REDIS, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

async function main(): Promise<void> {
  const { options, full } = parse(process.argv.slice(2));
  const names = new Names();
  const rows: Row[] = [];
  const usesRedis = options.backend.includes('redis');
  // interrupted: remove the scratch directory and this run's Redis keys (worker processes exit with us)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`${signal}: cleaning up`);
      void Promise.allSettled([names.close(), usesRedis ? cleanRedis(names.prefix) : undefined]).then(() => process.exit(130));
    });
  }
  try {
    for (const backend of BACKENDS.filter((b) => options.backend.includes(b))) {
      progress(`${backend}: starting`);
      await runBackend(backend, options, names, rows);
    }
    for (const backend of (['redis', 'file'] as const).filter((b) => options.backend.includes(b))) {
      progress(`${backend}: growth`);
      await runGrowth(backend, options, names, rows);
    }
  } finally {
    await names.close();
    if (usesRedis) await cleanRedis(names.prefix);
  }
  const results: Results = {
    machine: await describeMachine(usesRedis),
    settings: { backends: options.backend, n: options.n, runs: options.runs, latency: { seconds: options.seconds, perSecond: options.rate }, growth: options.growth, growthSample: options.growthSample ?? options.n, budget: options.budget, peers: options.peers },
    seconds: (performance.now() - started) / 1000,
    rows,
  };
  process.stdout.write(options.json ? renderJson(results) : renderMarkdown(results));
  const docs = options.docs === false ? undefined : typeof options.docs === 'string' ? options.docs : options.docs === true || full ? join(ROOT, 'docs', 'performance.md') : undefined;
  if (docs !== undefined) {
    const notes = await readFile(join(ROOT, 'bench', 'notes.md'), 'utf8').catch(() => '');
    await mkdir(dirname(docs), { recursive: true });
    await writeFile(docs, renderPage(results, notes));
    progress(`wrote ${docs}`);
  }
  progress(`done in ${results.seconds.toFixed(0)} s`);
}

await main();
