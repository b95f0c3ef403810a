/**
 * `GET /metrics` through real processes on the file backend: a `huey web`
 * process scraped with the token as `Authorization: Bearer`, and two
 * consumer processes adding to the counters through the backend.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, runNode, REPO_ROOT, scratchDir, type ScratchPackage } from './helpers.js';
import { parseScrape, type Scrape } from './prometheus-text.js';
import { appPackage, exited, killChildren, startConsumer, startWeb, type WebProcess } from './web-helpers.js';

interface App {
  queue: { close(): Promise<void>; length(): Promise<number> };
  store: { close(): Promise<void> };
}
type Call = (...args: unknown[]) => Promise<{ taskId: string }>;

let pkg: ScratchPackage;
let dir: { path: string; remove: () => Promise<void> };
let env: NodeJS.ProcessEnv;
let app: App;
let nap: Call;
let web: WebProcess;

before(async () => {
  dir = await scratchDir('huey-metrics-');
  env = { HUEY_WEB_DIR: dir.path };
  process.env.HUEY_WEB_DIR = dir.path;
  pkg = await appPackage();
  app = (await import(pkg.url('config.js'))) as App;
  nap = ((await import(pkg.url('commands.js'))) as { nap: Call }).nap;
  web = await startWeb(pkg, env);
});
after(async () => {
  killChildren();
  await app?.queue.close();
  await app?.store.close();
  await pkg?.remove();
  await dir?.remove();
});

const scrape = async (): Promise<Scrape & { text: string }> => {
  const answer = await fetch(`${web.origin}/metrics`, { headers: { authorization: `Bearer ${web.token}` } });
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await answer.text();
  return { ...parseScrape(text), text };
};
const FINISHED = 'huey_calls_total{queue="web",command="commands.nap",outcome="finished"}';

test('a scrape of huey web parses; waiting reads the queue length; the finished counter of a command grows by exactly the calls two consumer processes finished', async () => {
  assert.equal((await fetch(`${web.origin}/metrics`)).status, 403, 'no token, no scrape');
  const before = await scrape();
  for (const [name, type] of [['huey_queue_waiting', 'gauge'], ['huey_queue_scheduled', 'gauge'], ['huey_queue_in_flight', 'gauge'], ['huey_queue_dead_letters', 'gauge'], ['huey_queue_consumers', 'gauge'], ['huey_calls_total', 'counter'], ['huey_call_run_seconds', 'histogram']]) {
    assert.equal(before.types.get(name!), type, `${name} is a ${type}\n${before.text}`);
  }
  const start = before.samples.get(FINISHED) ?? 0;

  const CALLS = 30;
  for (let i = 0; i < CALLS; i++) await nap(60);
  const waiting = await scrape();
  assert.equal(waiting.samples.get('huey_queue_waiting{queue="web"}'), await app.queue.length());
  assert.equal(waiting.samples.get('huey_queue_waiting{queue="web"}'), CALLS);

  const consumers = await Promise.all([startConsumer(pkg, env), startConsumer(pkg, env)]);
  const logs = consumers.map(() => '');
  consumers.forEach((consumer, n) => consumer.stderr!.on('data', (chunk: Buffer) => (logs[n] += chunk.toString())));
  await eventually(async () => (await app.queue.length()) === 0 && (await scrape()).samples.get('huey_queue_in_flight{queue="web"}') === 0, 'the queue drained', 60_000).catch(async (error: Error) => {
    // what was left, for whoever meets this: waiting, in flight, and what each consumer said
    const said = logs.map((log, n) => `--- consumer ${n + 1} said:\n${log.slice(-4000)}`).join('\n');
    throw new Error(`${error.message}; ${await app.queue.length()} waiting\n${(await scrape()).text}\n${said}`);
  });
  for (const consumer of consumers) consumer.kill('SIGTERM');
  for (const consumer of consumers) assert.deepEqual(await exited(consumer), { code: 0, signal: null });

  const done = await scrape();
  assert.equal(done.samples.get(FINISHED), start + CALLS, done.text);
  assert.equal(done.samples.get('huey_call_run_seconds_count{queue="web",command="commands.nap"}'), start + CALLS);
  assert.equal(done.samples.get('huey_call_run_seconds_bucket{queue="web",command="commands.nap",le="+Inf"}'), start + CALLS);
  assert.ok(done.samples.get('huey_call_run_seconds_bucket{queue="web",command="commands.nap",le="0.05"}')! < CALLS, 'a 60 ms nap is above the 50 ms bucket');
  assert.ok(done.samples.get('huey_call_run_seconds_sum{queue="web",command="commands.nap"}')! >= CALLS * 0.06);

  // huey history names both consumers: each finished some of the calls
  const history = await runNode([`${REPO_ROOT}/bin/huey.js`, 'history', 'main.Configuration', '-p', pkg.path, '--json', '--limit', String(CALLS)], { cwd: pkg.path, env: { ...process.env, ...env } });
  assert.equal(history.code, 0, history.stderr);
  const entries = JSON.parse(history.stdout) as { outcome: string; by: string; command: string }[];
  assert.equal(entries.length, CALLS);
  assert.ok(entries.every((e) => e.outcome === 'finished' && e.command === 'commands.nap'));
  assert.equal(new Set(entries.map((e) => e.by)).size, 2, 'two consumers finished calls');
});
