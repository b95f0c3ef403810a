/**
 * `npm run bench [-- --backend memory|file|redis --n N --json]`: huey's
 * throughput and latency on each backend, beside the floor each backend
 * sets and, on Redis, beside BullMQ and bee-queue in the same run.
 * Progress goes to stderr, and at the end where the time went; the
 * Markdown table (or JSON) to stdout; the full default run also writes
 * docs/performance.md. The default run aims to finish within `--budget`
 * seconds: only the growth backlogs, measured last, are skipped to keep it.
 */
import { loadavg } from 'node:os';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKENDS, REDIS, type BackendName, type BackendSpec } from './backends.js';
import { ROOT, stopping } from './child.js';
import { Context, type Options } from './context.js';
import { arrayFloor, encodedMessages, fileFloor, redisFloors } from './floors.js';
import { runGrowth } from './growth.js';
import { bulkEnqueueRate, drainRate, enqueueRate, latency, memoryEndToEnd, type Latency } from './huey.js';
import { fresh } from './names.js';
import { measure, measureInTurn, type Contender } from './progress.js';
import { runObserve } from './observe.js';
import { describeMachine, renderJson, renderMarkdown, renderPage, type Results, type Row } from './report.js';
import { formatValue, type Figure } from './stats.js';

/**
 * Seconds the default run aims to stay within (the full table, peers
 * included, in under 8 minutes on a 2-core machine; the estimate is rough,
 * hence the margin). Only growth backlogs are skipped to keep it; every
 * other row is always measured.
 */
const DEFAULT_BUDGET = 420;

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
    .addOption(new Option('--budget <s>', 'seconds the whole run aims to stay within: a growth backlog whose estimate would take it past them is skipped').argParser(positiveInt).default(DEFAULT_BUDGET))
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

function latencyRows(backend: string, runs: Latency[], threads: number, options: Options, threadsWord = 'THREADS'): Row[] {
  const rows: Row[] = [];
  for (const kind of ['start', 'result'] as const) {
    for (const stat of ['p50', 'p99', 'max'] as const) {
      rows.push({
        key: `${backend}.latency.${kind}.${stat}`,
        scenario: '3 latency',
        backend,
        subject: `${kind === 'start' ? 'enqueue→start' : 'enqueue→result in producer'} ${stat} (${options.rate}/s for ${options.seconds} s, ${threadsWord} ${threads})`,
        figure: { runs: runs.map((run) => run[kind][stat]), unit: 'ms' },
      });
    }
  }
  return rows;
}

/** Calls per run on the memory backend when `--n` is not given: it is cheap, and more calls steady its figures. */
const MEMORY_N = 20_000;

/** The peers' module, loaded only when they run (it loads BullMQ and bee-queue). */
type Peers = typeof import('./peers.js');

/**
 * Backends whose enqueue runs leave their calls queued for the THREADS 1
 * drain run that follows each: filling 10,000 files costs the disk seconds,
 * and the enqueue run has just written the very backlog a drain needs.
 */
const DRAINS_THE_ENQUEUED: readonly BackendName[] = ['file'];

/**
 * Scenarios 1 to 3 and the floor on `backend`. On Redis with the peers,
 * the enqueue and drain figures are taken in turn (huey run 1, BullMQ run
 * 1, bee-queue run 1, huey run 2, ...), so each ratio compares runs made
 * seconds apart; the peers' rows still come after the floors. On files,
 * each enqueue run is followed by the THREADS 1 drain of its backlog.
 */
async function runBackend(ctx: Context, backend: BackendName): Promise<void> {
  const { options, timeline, names } = ctx;
  const { runs } = options;
  const n = backend === 'memory' && options.nGiven !== true ? MEMORY_N : options.n;
  const count = n.toLocaleString('en-US');
  const peers: Peers | undefined = backend === 'redis' && options.peers ? await import('./peers.js') : undefined;
  const peerRows: Row[] = [];
  const withPeers = peers === undefined ? '' : `, ${peers.PEERS.map((peer) => peers.PEER_LABEL[peer]).join(', ')}`;

  const where = backend === 'memory' ? 'in-process consumer' : 'consumer process';
  const hueyDrain = (what: string, threads: number, variant: { prefetch?: number; inProcess?: boolean } = {}): Contender => ({
    what,
    unit: '/s',
    once: () =>
      fresh(names, backend, async (spec) => ctx.drained(backend, n, await drainRate(variant.prefetch === undefined ? spec : { ...spec, prefetch: variant.prefetch }, { queued: n, threads, ...(variant.inProcess ? { inProcess: true } : {}) }))),
  });
  const drainsEnqueued = DRAINS_THE_ENQUEUED.includes(backend);
  const drainRow = (threads: number, figure: Figure): Row => ({ key: `${backend}.drain.${threads}`, scenario: '2 drain', backend, subject: `huey: ${count} queued, ${where}, THREADS ${threads}`, figure });

  // 1 enqueue (on files, each run followed by the THREADS 1 drain of its backlog)
  timeline.section(`${backend} enqueue${withPeers}${drainsEnqueued ? ', then drain THREADS 1' : ''}`);
  const backlogs: BackendSpec[] = [];
  const enqueueContenders: Contender[] = [
    {
      what: `${backend} enqueue`,
      unit: '/s',
      once: drainsEnqueued
        ? async () => {
            const spec = await names.spec(backend);
            backlogs.push(spec);
            return enqueueRate(spec, n, true);
          }
        : () => fresh(names, backend, (spec) => enqueueRate(spec, n)),
    },
  ];
  if (drainsEnqueued) {
    enqueueContenders.push({
      what: `${backend} drain THREADS 1`,
      unit: '/s',
      once: async () => {
        const spec = backlogs.shift()!;
        try {
          return ctx.drained(backend, n, await drainRate(spec, { queued: n, threads: 1, queuedAlready: true }));
        } finally {
          await names.removeDir(spec);
        }
      },
    });
  }
  for (const peer of peers?.PEERS ?? []) {
    enqueueContenders.push({ what: `${peer} enqueue`, unit: '/s', once: () => peers!.peerEnqueueRate(peer, names.next(), peers!.peerPrefix(names.prefix, peer), n) });
  }
  const [enqueue, ...others] = await measureInTurn(timeline, runs, enqueueContenders);
  ctx.add({ key: `${backend}.enqueue`, scenario: '1 enqueue', backend, subject: `huey: ${count} sequential awaited calls`, figure: enqueue! });
  if (drainsEnqueued) ctx.add(drainRow(1, others.shift()!));
  for (const [i, peer] of (peers?.PEERS ?? []).entries()) {
    peerRows.push({ key: `${peer}.enqueue`, scenario: '1 enqueue', backend: 'redis', subject: `${peers!.PEER_LABEL[peer]}: ${count} sequential awaited ${peers!.PEER_ADD[peer]}`, figure: others[i]! });
  }

  // 1 bulk enqueue: huey 3's map against the peers' bulk adds, chunks of 1,000
  timeline.section(`${backend} bulk enqueue${withPeers}`);
  const bulkContenders: Contender[] = [{ what: `${backend} bulk enqueue`, unit: '/s', once: () => fresh(names, backend, (spec) => bulkEnqueueRate(spec, n)) }];
  for (const peer of peers?.PEERS ?? []) {
    bulkContenders.push({ what: `${peer} bulk enqueue`, unit: '/s', once: () => peers!.peerBulkRate(peer, names.next(), peers!.peerPrefix(names.prefix, peer), n) });
  }
  const [bulk, ...peerBulks] = await measureInTurn(timeline, runs, bulkContenders);
  ctx.add({ key: `${backend}.bulk`, scenario: '1 enqueue', backend, subject: `huey: ${count} calls by \`fn.map\`, chunks of 1,000`, figure: bulk! });
  for (const [i, peer] of (peers?.PEERS ?? []).entries()) {
    peerRows.push({ key: `${peer}.bulk`, scenario: '1 enqueue', backend: 'redis', subject: `${peers!.PEER_LABEL[peer]}: ${count} by ${peers!.PEER_BULK[peer]}, chunks of 1,000`, figure: peerBulks[i]! });
  }

  // 2 drain
  timeline.section(`${backend} drain${withPeers}`);
  for (const threads of drainsEnqueued ? [50] : [1, 50]) {
    const contenders = [hueyDrain(`${backend} drain THREADS ${threads}`, threads)];
    for (const peer of peers?.PEERS ?? []) {
      contenders.push({
        what: `${peer} drain concurrency ${threads}`,
        unit: '/s',
        once: async () => ctx.drained(peer, n, await peers!.peerDrainRate(peer, names.next(), peers!.peerPrefix(names.prefix, peer), n, threads)),
      });
    }
    const [figure, ...peerDrains] = await measureInTurn(timeline, runs, contenders);
    ctx.add(drainRow(threads, figure!));
    for (const [i, peer] of (peers?.PEERS ?? []).entries()) {
      peerRows.push({ key: `${peer}.drain.${threads}`, scenario: '2 drain', backend: 'redis', subject: `${peers!.PEER_LABEL[peer]}: ${count} queued, worker process, concurrency ${threads}`, figure: peerDrains[i]! });
    }
  }
  if (backend === 'file' && options.extras) {
    const [figure] = await measureInTurn(timeline, runs, [hueyDrain('file drain in-process THREADS 50', 50, { inProcess: true })]);
    ctx.add({ key: 'file.drain.inprocess.50', scenario: '2 drain', backend, subject: `huey: ${count} queued, in-process consumer, THREADS 50 (extra)`, figure: figure! });
  }
  if (backend === 'redis' && options.extras) {
    // the backend's own fetch-ahead knob, off by default: how much of the gap to the peers it closes
    for (const threads of [1, 50]) {
      const [figure] = await measureInTurn(timeline, runs, [hueyDrain(`redis drain THREADS ${threads} prefetch 50`, threads, { prefetch: 50 })]);
      ctx.add({ key: `redis.drain.prefetch.${threads}`, scenario: '2 drain', backend, subject: `huey: ${count} queued, consumer process, THREADS ${threads}, queue option \`prefetch: 50\` (extra)`, figure: figure! });
    }
  }
  if (backend === 'memory') {
    const figure = await measure(timeline, 'memory end to end', runs, '/s', () => memoryEndToEnd(n, 50));
    ctx.add({ key: 'memory.e2e', scenario: '2 drain', backend, subject: `huey end to end in one process: ${count} enqueued, in-process consumer THREADS 50, every result read`, figure });
  }

  // 3 latency
  // THREADS 50, so that a call never waits for the previous one's bookkeeping: what is measured is the path, not the throughput
  timeline.section(`${backend} latency`);
  const latencyThreads = 50;
  const latencyRuns: Latency[] = [];
  const peerLatencyRuns = new Map((peers?.PEERS ?? []).map((peer) => [peer, [] as Latency[]]));
  const said = (what: string, run: number, result: Latency): void =>
    timeline.line(`${what} latency: run ${run + 1}/${runs}: start p50 ${formatValue(result.start.p50, 'ms')} p99 ${formatValue(result.start.p99, 'ms')}, result p50 ${formatValue(result.result.p50, 'ms')} p99 ${formatValue(result.result.p99, 'ms')}`);
  // on Redis in turn with the peers (huey run 1, BullMQ run 1, bee-queue run 1, huey run 2, ...): each ratio compares runs seconds apart
  for (let run = 0; run < runs; run++) {
    const result = await fresh(names, backend, (spec) => latency(spec, options.seconds, options.rate, latencyThreads));
    latencyRuns.push(result);
    said(backend, run, result);
    for (const peer of peers?.PEERS ?? []) {
      const theirs = await peers!.peerLatency(peer, names.next(), peers!.peerPrefix(names.prefix, peer), options.seconds, options.rate, latencyThreads);
      peerLatencyRuns.get(peer)!.push(theirs);
      said(peer, run, theirs);
    }
  }
  for (const row of latencyRows(backend, latencyRuns, latencyThreads, options)) ctx.add(row);
  for (const peer of peers?.PEERS ?? []) {
    const label = `${peers!.PEER_LABEL[peer]}: `;
    for (const row of latencyRows(peer, peerLatencyRuns.get(peer)!, latencyThreads, options, 'concurrency')) peerRows.push({ ...row, backend: 'redis', subject: label + row.subject });
  }

  // floors
  timeline.section(`${backend} floor`);
  await runFloors(ctx, backend, n);
  // each peer's rows together, as they were before the runs were taken in turn
  for (const peer of peers?.PEERS ?? []) for (const row of peerRows.filter((r) => r.key.startsWith(`${peer}.`))) ctx.add(row);
}

/** The floor of `backend`: the same work with nothing of huey around it, on `n` messages huey encoded. */
async function runFloors(ctx: Context, backend: BackendName, n: number): Promise<void> {
  const { options, timeline, names } = ctx;
  const { runs } = options;
  const messages = await encodedMessages(n);
  if (backend === 'memory') {
    const figure = await measure(timeline, 'memory floor', runs, '/s', async () => arrayFloor(messages));
    ctx.add({ key: 'memory.floor', scenario: 'floor', backend, subject: `plain array: push then shift() the same ${n.toLocaleString('en-US')} encoded messages`, figure });
    const indexed = await measure(timeline, 'memory floor (head index)', runs, '/s', async () => arrayFloor(messages, 'index'));
    ctx.add({ key: 'memory.floor.index', scenario: 'floor', backend, subject: 'plain array: push, then read with a moving head index (no shift)', figure: indexed });
  }
  if (backend === 'file') {
    const figure = await measure(timeline, 'file floor', runs, '/s', () => fresh(names, backend, (spec) => fileFloor(spec.path!, messages)));
    ctx.add({ key: 'file.floor', scenario: 'floor', backend, subject: 'write + rename + rename + unlink of the same bytes, one message at a time', figure });
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
        timeline.line(`redis floors: run ${run + 1}/${runs}: LPUSH ${formatValue(result.lpush, '/s')}, LPUSH+BRPOP ${formatValue(result.pairs, '/s')}, pipelined ${formatValue(result.pipelined, '/s')}`);
      }
      ctx.add({ key: 'redis.floor.lpush', scenario: 'floor', backend, subject: 'raw LPUSH, one awaited at a time (ioredis)', figure: floors.lpush });
      ctx.add({ key: 'redis.floor.pairs', scenario: 'floor', backend, subject: 'raw LPUSH then BRPOP, one pair at a time (ioredis)', figure: floors.pairs });
      ctx.add({ key: 'redis.floor.pipelined', scenario: 'floor', backend, subject: 'pipelined LPUSH, 1,000 a pipeline (ioredis)', figure: floors.pipelined });
    } finally {
      client.disconnect();
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
  const loadAtStart = loadavg()[0]!;
  const ctx = new Context(options);
  const { names, timeline } = ctx;
  const usesRedis = options.backend.includes('redis');
  // interrupted: remove the scratch directory and this run's Redis keys (worker processes exit with us)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      timeline.line(`${signal}: cleaning up`);
      void Promise.allSettled([names.close(), usesRedis ? cleanRedis(names.prefix) : undefined]).then(() => process.exit(130));
    });
  }
  try {
    for (const backend of BACKENDS.filter((b) => options.backend.includes(b))) {
      timeline.line(`${backend}: starting`);
      await runBackend(ctx, backend);
    }
    if (options.backend.includes('memory')) {
      timeline.section('observe');
      timeline.line('memory: what observing costs a call');
      await runObserve(ctx);
    }
    // last: the larger backlogs are the part of the run that --budget may skip

    for (const backend of (['redis', 'file'] as const).filter((b) => options.backend.includes(b))) {
      timeline.section(`${backend} growth`);
      timeline.line(`${backend}: growth`);
      await runGrowth(ctx, backend);
    }
    timeline.section('cleaning up');
  } finally {
    await names.close();
    if (usesRedis) await cleanRedis(names.prefix);
  }
  timeline.end();
  const results: Results = {
    machine: await describeMachine(usesRedis, loadAtStart),
    settings: { backends: options.backend, n: options.n, runs: options.runs, latency: { seconds: options.seconds, perSecond: options.rate }, growth: options.growth, growthSample: options.growthSample ?? options.n, budget: options.budget, peers: options.peers },
    seconds: timeline.elapsed(),
    rows: ctx.rows,
  };
  process.stdout.write(options.json ? renderJson(results) : renderMarkdown(results));
  const docs = options.docs === false ? undefined : typeof options.docs === 'string' ? options.docs : options.docs === true || full ? join(ROOT, 'docs', 'performance.md') : undefined;
  if (docs !== undefined) {
    const notes = await readFile(join(ROOT, 'bench', 'notes.md'), 'utf8').catch(() => '');
    await mkdir(dirname(docs), { recursive: true });
    await writeFile(docs, renderPage(results, notes));
    timeline.line(`wrote ${docs}`);
  }
  timeline.chore('waiting for worker processes to exit', stopping.ms, stopping.count);
  for (const line of timeline.summary()) process.stderr.write(`${line}\n`);
  timeline.line(`done in ${timeline.elapsed().toFixed(0)} s`);
}

await main();
