/**
 * serveWeb() in the producer's own process, on the memory backend (which
 * no other process can see): the live stream, and one poller for every
 * open page, counted at the backend.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { BaseQueue } from 'huey/backends/base';
import { queueCommand } from 'huey/decorators';
import { serveWeb, type WebServer } from 'huey/web';
import { Consumer } from 'huey/bin/consumer';
import { BaseConfiguration } from 'huey/bin/config';
import { memoryInvoker } from './helpers.js';

/** The queue, with every call of a method counted: what the backend is asked. */
function counted(queue: BaseQueue): { queue: BaseQueue; calls: Map<string, number>; total: () => number } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(queue, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || property === 'constructor') return value;
      return (...args: unknown[]) => {
        calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { queue: proxy, calls, total: () => [...calls.values()].reduce((a, b) => a + b, 0) };
}

/** The token of the servers of these tests: reads must carry it. */
const TOKEN = 'a-token-of-these-tests';

interface Look {
  snapshot: { polledAt: string; info: { waiting: number }; waiting: { id: string }[]; throughput: { counts: number[] } };
}

/** Opens `pages` event streams, reads until each got `looks` looks, and closes them; resolves with each stream's looks. */
async function watch(origin: string, pages: number, looks: number): Promise<Look[][]> {
  return Promise.all(
    Array.from({ length: pages }, async () => {
      const controller = new AbortController();
      const response = await fetch(`${origin}/api/events`, { signal: controller.signal, headers: { 'x-huey-token': TOKEN } });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      const seen: Look[] = [];
      let buffer = '';
      while (seen.length < looks) {
        buffer += (await reader.read()).value ?? '';
        const events = buffer.split('\n\n');
        buffer = events.pop()!;
        for (const event of events) if (event.startsWith('data: ')) seen.push(JSON.parse(event.slice(6)) as Look);
      }
      controller.abort();
      return seen.slice(0, looks);
    }),
  );
}

const servers: WebServer[] = [];
after(async () => {
  for (const server of servers) await server.close();
});

test('serveWeb(invoker) shows a memory queue from its own process, and streams each change to the page', async () => {
  const { invoker } = memoryInvoker();
  const add = queueCommand(invoker)(function add(a: number, b: number) {
    return a + b;
  });
  assert.match((await serveWeb(invoker, { port: 0 }).then((made) => (servers.push(made), made))).url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
  const web = await serveWeb(invoker, { port: 0, token: TOKEN });
  servers.push(web);
  const first = await add(1, 2);
  const [looks] = await watch(new URL(web.url).origin, 1, 1);
  assert.deepEqual(looks![0]!.snapshot.waiting.map((c) => c.id), [first!.taskId]);
  class Configuration extends BaseConfiguration {
    static QUEUE = invoker.queue;
  }
  const consumer = new Consumer(invoker, Configuration, { logSink: () => {} });
  await consumer.step();
  const [after] = await watch(new URL(web.url).origin, 1, 2);
  const last = after!.at(-1)!.snapshot;
  assert.equal(last.info.waiting, 0);
  assert.equal(last.throughput.counts.reduce((a, b) => a + b, 0), 1, 'the call seen waiting, then nowhere, is counted as done');
});

/** A server on a counted memory queue; resolves with it and the counts. */
async function countedServer(): Promise<{ origin: string; backend: ReturnType<typeof counted> }> {
  const { invoker, store } = memoryInvoker();
  const backend = counted(invoker.queue);
  const web = await serveWeb({ queue: backend.queue, resultStore: store }, { port: 0, token: TOKEN });
  servers.push(web);
  return { origin: new URL(web.url).origin, backend };
}

test('one poller for every open page: ten pages cost the backend what one page costs, each look fanned out to all', async () => {
  const single = await countedServer();
  // nobody watching: nobody asks the backend
  await fetch(`${single.origin}/`);
  assert.equal(single.backend.total(), 0);
  await watch(single.origin, 1, 3);
  assert.equal(single.backend.calls.get('length'), 3, 'one look, one length()');
  const perLook = single.backend.total() / 3;

  const many = await countedServer();
  const pages = await watch(many.origin, 10, 3);
  const looks = new Set(pages.flat().map((look) => look.snapshot.polledAt));
  assert.equal(looks.size, 3, 'every page got the same three looks');
  for (const page of pages) assert.deepEqual(page.map((look) => look.snapshot.polledAt), [...looks]);
  assert.equal(many.backend.calls.get('length'), 3, 'one length() per look, however many pages');
  assert.equal(many.backend.total() / 3, perLook, 'each look asks the backend the same, with 1 page or 10');

  // every page closed: the poller stops after its current pause
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const stopped = many.backend.total();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(many.backend.total(), stopped, 'nobody watching, nobody asks the backend');
});

test('huey/web exports serveWeb and webHandler, and importing huey does not load the web server', async () => {
  assert.deepEqual(Object.keys(await import('huey/web')).sort(), ['serveWeb', 'webHandler']);
  assert.equal('serveWeb' in (await import('huey')), false);
});

test('a backend that cannot be reached is one line on the page, and a 502 from /api/info, until it answers again', async () => {
  const { invoker, store } = memoryInvoker();
  let down = true;
  const queue = new Proxy(invoker.queue, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property === 'length') return () => (down ? Promise.reject(new Error('connection refused')) : target.length());
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  const web = await serveWeb({ queue, resultStore: store }, { port: 0, token: TOKEN });
  servers.push(web);
  const origin = new URL(web.url).origin;
  const [looks] = await watch(origin, 1, 1);
  assert.deepEqual(Object.keys(looks![0]!), ['error', 'at']);
  assert.equal((looks![0] as unknown as { error: string }).error, 'cannot reach the backend of queue "test": connection refused');
  const answer = await fetch(`${origin}/api/info?token=${TOKEN}`);
  assert.equal(answer.status, 502);
  assert.deepEqual(await answer.json(), { error: 'cannot reach the backend of queue "test": connection refused' });
  down = false;
  assert.equal((await fetch(`${origin}/api/info?token=${TOKEN}`)).status, 200);
});
