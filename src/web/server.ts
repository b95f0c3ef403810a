/**
 * `huey web`: the queue as a live page. A small server on Node's `http`
 * module: the static page (`static/`), the JSON answers of `huey info` and
 * `huey trace`, one stream of server-sent events fed by one poller, and
 * three actions guarded by a token.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BaseDataStore, BaseQueue } from '../backends/base.js';
import { QueueException } from '../exceptions.js';
import { info, reach, Refusal, traceReport, type Backends } from '../observe/inspection.js';
import { Poller, type Look } from './poller.js';
import { StaticFiles } from './static-files.js';
import { carriesToken, newToken } from './token.js';
import { deadLettersOf } from '../controls/dead-letters.js';
import { revoke, taskKey } from '../controls/revoke.js';
import { revocationsOf } from '../controls/revocations.js';

/** Options of {@link serveWeb}. */
export interface WebOptions {
  /** The port; `0` picks a free one. @defaultValue `8300` */
  port?: number;
  /** The address to listen on; anything but loopback opens the page to the network. @defaultValue `'127.0.0.1'` */
  host?: string;
  /** The token actions must carry. @defaultValue a new random one, 32 characters */
  token?: string;
}

/** A running live view. */
export interface WebServer {
  /** The page's address with its token: `http://127.0.0.1:8300/?token=…`. */
  readonly url: string;
  /** The port it listens on (useful with `port: 0`). */
  readonly port: number;
  /** The token actions must carry. */
  readonly token: string;
  /** Stops listening and closes the open pages' streams; resolves once stopped. Does not close the backends. */
  close(): Promise<void>;
}

/** What the live view reads: the queue, and the result store when there is one (an `Invoker` is one). */
export interface WebSource {
  /** The queue whose calls the page shows. */
  readonly queue: BaseQueue;
  /** The result store, for the count of results waiting and a task's "result waiting to be read". */
  readonly resultStore?: BaseDataStore | undefined;
}

/** How long a task's answer is reused: pages watching one task cost one trace read a second. */
const TASK_ANSWER_MS = 1000;

/** A JSON answer, formatted as `huey … --json` prints it. */
function sendJson(response: ServerResponse, status: number, data: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(`${JSON.stringify(data, null, 2)}\n`);
}

/** A refusal or failure, as one line of JSON: `{ "error": "…" }`. */
function sendError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { error: message });
}

/** Whether `host` is a loopback address, where the Host header is checked (against DNS rebinding). */
const isLoopback = (host: string): boolean => host === '127.0.0.1' || host === 'localhost' || host === '::1';

/**
 * Serves the live view of a queue: `/` the queue, `/task/<id>` one task's
 * timeline, `/api/info`, `/api/tasks/<id>`, `/api/events` (server-sent
 * events) and the POST actions. Serves until {@link WebServer.close}.
 *
 * @param source - The queue to show, e.g. an `Invoker` (its queue and result store).
 * @param options - Port, host and token.
 * @returns The running server, once it listens.
 * @throws QueueException when the port is taken or the address cannot be used.
 * @example
 * ```ts
 * const web = await serveWeb(invoker, { port: 8300 });
 * console.log(web.url); // http://127.0.0.1:8300/?token=…
 * ```
 */
export async function serveWeb(source: WebSource, options: WebOptions = {}): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const backends: Backends = { queue: source.queue, store: source.resultStore };
  const poller = new Poller(backends);
  const files = await StaticFiles.load();
  const tasks = new Map<string, { at: number; answer: Promise<unknown> }>();
  const streams = new Set<ServerResponse>();

  const taskAnswer = (taskId: string): Promise<unknown> => {
    const now = Date.now();
    for (const [id, entry] of tasks) if (now - entry.at > TASK_ANSWER_MS) tasks.delete(id);
    const known = tasks.get(taskId);
    if (known !== undefined) return known.answer;
    const answer = traceReport(backends, taskId, new Date(now));
    tasks.set(taskId, { at: now, answer });
    return answer;
  };

  const events = (response: ServerResponse): void => {
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write('retry: 2000\n\n');
    streams.add(response);
    const stop = poller.listen((look: Look) => response.write(`data: ${JSON.stringify(look)}\n\n`));
    response.on('close', () => {
      stop();
      streams.delete(response);
    });
  };

  const act = async (name: string, response: ServerResponse, taskId?: string): Promise<void> => {
    const { queue } = backends;
    if (name === 'purge' || name === 'requeue') {
      const letters = deadLettersOf(queue);
      if (letters === undefined) return sendError(response, 501, `queue "${queue.name}" (${queue.constructor.name}) keeps no dead letters`);
      if (name === 'purge') return sendJson(response, 200, { purged: await reach(queue, () => letters.purgeDeadLetters()) });
      let requeued = 0;
      for (const letter of await reach(queue, () => letters.deadLetters())) if (await reach(queue, () => letters.requeueDeadLetter(letter))) requeued++;
      return sendJson(response, 200, { requeued });
    }
    if (revocationsOf(queue) === undefined) return sendError(response, 501, `queue "${queue.name}" (${queue.constructor.name}) keeps no revocations`);
    await reach(queue, () => revoke(queue, taskKey(taskId!)));
    return sendJson(response, 200, { revoked: taskId });
  };

  const route = async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname;
    const method = request.method ?? 'GET';
    const action = /^\/api\/(?:dead-letters\/(requeue|purge)|tasks\/([^/]+)\/(revoke))$/.exec(path);
    if (action !== null) {
      if (method !== 'POST') return sendError(response, 405, `${path} takes POST`);
      if (!carriesToken(request, url, token)) return sendError(response, 403, 'missing or wrong token: use the address huey web printed');
      let taskId: string | undefined;
      try {
        taskId = action[2] === undefined ? undefined : decodeURIComponent(action[2]);
      } catch {
        return sendError(response, 400, `not a task id: ${action[2]}`);
      }
      return act(action[1] ?? action[3]!, response, taskId);
    }
    if (method !== 'GET' && method !== 'HEAD') return sendError(response, 405, `${path} takes GET`);
    if (path === '/api/info') return sendJson(response, 200, await reach(backends.queue, () => info(backends, new Date())));
    if (path === '/api/events') return method === 'GET' ? events(response) : sendError(response, 405, `${path} takes GET`);
    const task = /^\/api\/tasks\/([^/]+)$/.exec(path);
    if (task !== null) {
      try {
        return sendJson(response, 200, await taskAnswer(decodeURIComponent(task[1]!)));
      } catch (error) {
        if (error instanceof Refusal) return sendError(response, 404, error.message);
        if (error instanceof URIError) return sendError(response, 400, `not a task id: ${task[1]}`);
        throw error;
      }
    }
    if (path === '/' || path === '/index.html') return files.send(response, 'index.html');
    if (/^\/task\/[^/]+$/.test(path)) return files.send(response, 'task.html');
    const file = /^\/static\/([\w.-]+)$/.exec(path);
    if (file !== null && files.has(file[1]!)) return files.send(response, file[1]!);
    return sendError(response, 404, `nothing at ${path}`);
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    // a page of another site that resolves its own name to 127.0.0.1 must not read the queue
    if (isLoopback(host) && !/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(request.headers.host ?? '')) {
      return sendError(response, 403, `unexpected Host header "${request.headers.host ?? ''}"`);
    }
    route(request, response, url).catch((error: unknown) => {
      if (response.headersSent) return void response.end();
      sendError(response, error instanceof QueueException ? 502 : 500, (error as Error).message.split('\n')[0] ?? String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const port = options.port ?? 8300;
      if (error.code === 'EADDRINUSE') reject(new QueueException(`port ${port} on ${host} is taken: choose another with --port`, { cause: error }));
      else reject(new QueueException(`cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
    });
    server.listen(options.port ?? 8300, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      poller.close();
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
