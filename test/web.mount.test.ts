/**
 * `webHandler`: the live view mounted in the user's own server, in a plain
 * `http` server and in Express, under `/admin/queue`: the page, the API,
 * the events and `/metrics` there, the rest of the app untouched, the
 * token or the user's own `authorize` hook.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import express from 'express';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { queueCommand } from 'huey/decorators';
import { ConfigurationError } from 'huey/exceptions';
import { webHandler, type WebHandler } from 'huey/web';
import { memoryInvoker } from './helpers.js';
import { parseScrape } from './prometheus-text.js';

const servers: Server[] = [];
const views: WebHandler[] = [];
after(async () => {
  for (const view of views) view.close();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A memory queue with two calls finished and one waiting. */
async function busyQueue() {
  const { invoker } = memoryInvoker();
  const add = queueCommand(invoker, { name: 'commands.add' })(function add(a: number, b: number) {
    return a + b;
  });
  const consumer = new Consumer(invoker, BaseConfiguration, { logSink: () => {} });
  const done = [await add(1, 2), await add(3, 4)];
  await consumer.step();
  await consumer.step();
  await consumer.stop();
  const { historyOf } = await import('../src/observe/history.js');
  await historyOf(invoker)?.flush();
  // the results read: the task is nowhere but in the history
  for (const handle of done) await handle!.get();
  const waiting = (await add(5, 6))!;
  return { invoker, done, waiting };
}

/** Checks the view answers under `root` (e.g. `http://…/admin/queue`) with the token. */
async function checkMounted(root: string, token: string, waitingId: string, doneId: string): Promise<void> {
  const bearer = { headers: { authorization: `Bearer ${token}` } };
  const page = await fetch(`${root}/?token=${token}`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<script type="module" src="static\/queue.js">/);
  assert.match(page.headers.get('set-cookie')!, /^huey_token=[\w-]+; Path=\/admin\/queue\/; HttpOnly; SameSite=Strict$/);
  assert.equal((await fetch(`${root}/static/queue.js`)).status, 200);
  assert.equal((await fetch(`${root}/task/${waitingId}`)).status, 200);
  assert.equal((await fetch(`${root}/api/info`)).status, 403);
  const info = (await (await fetch(`${root}/api/info`, bearer)).json()) as { waiting: number };
  assert.equal(info.waiting, 1);
  const task = (await (await fetch(`${root}/api/tasks/${doneId}`, bearer)).json()) as { summary: string; history: { outcome: string }[] };
  assert.match(task.summary, /^finished at \d\d:\d\d:\d\d in \d+\.\d ms, attempt 1 \(from the history\)$/, 'the trace is off: the history answers');
  assert.deepEqual(task.history.map((h) => h.outcome), ['finished']);
  const scrape = parseScrape(await (await fetch(`${root}/metrics`, bearer)).text());
  assert.equal(scrape.samples.get('huey_queue_waiting{queue="test"}'), 1);
  assert.equal(scrape.samples.get('huey_calls_total{queue="test",command="commands.add",outcome="finished"}'), 2);
  const events = await fetch(`${root}/api/events`, bearer);
  assert.equal(events.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  await events.body!.cancel();
  const bare = await fetch(`${root}`, { redirect: 'manual' });
  assert.equal(bare.status, 308, 'the bare prefix is sent to the root with its slash, where the relative addresses of the page work');
  assert.equal(bare.headers.get('location'), '/admin/queue/');
}

test('mounted in a plain http server under /admin/queue: page, API, events and /metrics there; other paths are the app\'s', async () => {
  const { invoker, done, waiting } = await busyQueue();
  const view = webHandler(invoker, { prefix: '/admin/queue' });
  views.push(view);
  const origin = await listen(createServer((request, response) => (request.url?.startsWith('/admin/queue') ? view(request, response) : response.end('the app itself'))));
  await checkMounted(`${origin}/admin/queue`, view.token, waiting.taskId, done[0]!.taskId);
  // the handler alone answers 404 outside its prefix
  const alone = await listen(createServer(view));
  assert.equal((await fetch(`${alone}/api/info`)).status, 404);
});

test('mounted in Express with app.use("/admin/queue", handler): the same answers, and next() for what is not the view\'s', async () => {
  const { invoker, done, waiting } = await busyQueue();
  const view = webHandler(invoker);
  views.push(view);
  const app = express();
  app.use('/admin/queue', view);
  app.use((_request, response) => void response.status(418).send('the app itself'));
  const origin = await listen(createServer(app));
  await checkMounted(`${origin}/admin/queue`, view.token, waiting.taskId, done[0]!.taskId);
  assert.equal((await fetch(`${origin}/admin/queue/nothing-here`)).status, 418, 'a path the view does not serve goes to the next middleware');
  assert.equal(await (await fetch(`${origin}/elsewhere`)).text(), 'the app itself');
});

test('an authorize hook replaces the token: reads and actions go through when it says yes, 403 when it says no', async () => {
  const { invoker } = memoryInvoker();
  const view = webHandler(invoker, { prefix: '/admin/queue', authorize: (request) => request.headers['x-staff'] === 'yes' });
  views.push(view);
  const origin = await listen(createServer(view));
  assert.equal((await fetch(`${origin}/admin/queue/api/info`, { headers: { 'x-staff': 'yes' } })).status, 200);
  assert.equal((await fetch(`${origin}/admin/queue/metrics`, { headers: { 'x-staff': 'yes' } })).status, 200);
  const refused = await fetch(`${origin}/admin/queue/api/info?token=${view.token}`);
  assert.equal(refused.status, 403);
  assert.deepEqual(await refused.json(), { error: 'refused by the authorize hook' });
  assert.equal((await fetch(`${origin}/admin/queue/api/tasks/x/revoke`, { method: 'POST', headers: { 'x-staff': 'yes' } })).status, 200);
  assert.equal((await fetch(`${origin}/admin/queue/api/tasks/x/revoke`, { method: 'POST' })).status, 403);
});

test('a prefix that is not a path is a ConfigurationError naming it', () => {
  const { invoker } = memoryInvoker();
  for (const prefix of ['admin', '/admin/', 5 as unknown as string]) {
    assert.throws(() => webHandler(invoker, { prefix }), (error: unknown) => error instanceof ConfigurationError && error.message === `Expected \`prefix\` to be a path like "/admin/queue" (a leading slash, no trailing one), got ${JSON.stringify(prefix)}`);
  }
});
