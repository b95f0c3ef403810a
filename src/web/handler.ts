/**
 * The live view as a Node request handler, to mount in your own server:
 * `http.createServer(handler)` or Express's `app.use('/admin/queue',
 * handler)`. It serves, under its path prefix, the page (`/`, `/task/<id>`,
 * `/static/…`), the JSON answers of `huey info` and `huey trace`
 * (`/api/info`, `/api/tasks/<id>`), one stream of server-sent events fed by
 * one poller (`/api/events`), the Prometheus scrape (`/metrics`), and three
 * POST actions. Every read of the queue and every action needs the token,
 * or whatever your own `authorize` hook says.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BaseDataStore, BaseQueue } from '../backends/base.js';
import { deadLettersOf } from '../controls/dead-letters.js';
import { revoke, taskKey } from '../controls/revoke.js';
import { revocationsOf } from '../controls/revocations.js';
import { ConfigurationError, QueueException } from '../exceptions.js';
import { info, reach, Refusal, traceReport, type Backends } from '../observe/inspection.js';
import { scrape } from '../observe/metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from '../observe/prometheus.js';
import { Poller, type Look } from './poller.js';
import { StaticFiles } from './static-files.js';
import { carriesToken, newToken, tokenCookie } from './token.js';

/** What the live view reads: the queue, and the result store when there is one (an `Invoker` is one). */
export interface WebSource {
  /** The queue whose calls the page shows. */
  readonly queue: BaseQueue;
  /** The result store, for the count of results waiting and a task's "result waiting to be read". */
  readonly resultStore?: BaseDataStore | undefined;
}

/** Options of {@link webHandler}. */
export interface WebHandlerOptions {
  /**
   * The path the view lives under in a plain `http` server, e.g.
   * `/admin/queue`; requests outside it are passed to `next` (Express) or
   * answered 404. Leave it out under Express's `app.use(path, handler)`,
   * which takes the path off itself.
   * @defaultValue `''` (the root)
   */
  prefix?: string;
  /** The token reads and actions must carry. @defaultValue a new random one, 32 characters */
  token?: string;
  /**
   * Your own check, replacing the token's: called for each read of the
   * queue and each action, it answers whether the request may go on (a
   * session, a header set by your proxy...). Refused requests get 403.
   * The page and its static files are served to anyone: they hold no data.
   */
  authorize?: (request: IncomingMessage) => boolean | Promise<boolean>;
}

/** A mountable live view: a Node request handler (and Express middleware) with its token and a way to stop it. */
export interface WebHandler {
  /** Answers one request; `next` (Express) is called for a path outside the prefix. */
  (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void): void;
  /** The token reads and actions must carry (unused with `authorize`). */
  readonly token: string;
  /** The path prefix, `''` for the root. */
  readonly prefix: string;
  /** Stops the poller and ends the open pages' streams. Does not close the backends. */
  close(): void;
}

/** How long a task's answer is reused: pages watching one task cost one trace read a second. */
const TASK_ANSWER_MS = 1000;

/** A JSON answer, formatted as `huey … --json` prints it. */
function sendJson(response: ServerResponse, status: number, data: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(`${JSON.stringify(data, null, 2)}\n`);
}

/** A refusal or failure, as one line of JSON: `{ "error": "…" }`. */
export function sendError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { error: message });
}

/** The path the request was mounted at: the prefix, or what Express took off (`originalUrl` less `url`). */
function mountOf(request: IncomingMessage & { originalUrl?: string }, prefix: string, path: string): string {
  if (prefix !== '' || request.originalUrl === undefined) return prefix;
  const original = new URL(request.originalUrl, 'http://localhost').pathname;
  if (original.endsWith(path)) return original.slice(0, original.length - path.length);
  // Express hands `/admin/queue` over as `/`
  return path === '/' ? original.replace(/\/$/, '') : '';
}

/**
 * Makes the live view of a queue as a request handler.
 *
 * @param source - The queue to show, e.g. an `Invoker` (its queue and result store).
 * @param options - Path prefix, token, or your own `authorize` hook.
 * @returns The handler; the page's files are read at its first request.
 * @throws ConfigurationError when the prefix does not start with `/` or ends with one.
 * @example
 * ```ts
 * const view = webHandler(invoker, { prefix: '/admin/queue' });
 * createServer(view).listen(8080); // http://127.0.0.1:8080/admin/queue/?token=<view.token>
 * ```
 */
export function webHandler(source: WebSource, options: WebHandlerOptions = {}): WebHandler {
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string' || (prefix !== '' && (!prefix.startsWith('/') || prefix.endsWith('/')))) {
    throw new ConfigurationError(`Expected \`prefix\` to be a path like "/admin/queue" (a leading slash, no trailing one), got ${JSON.stringify(prefix)}`);
  }
  const token = options.token ?? newToken();
  const backends: Backends = { queue: source.queue, store: source.resultStore };
  const poller = new Poller(backends);
  let files: Promise<StaticFiles> | undefined;
  const tasks = new Map<string, { at: number; answer: Promise<unknown> }>();
  const streams = new Set<ServerResponse>();

  const allowed = async (request: IncomingMessage, url: URL): Promise<boolean> => (options.authorize === undefined ? carriesToken(request, url, token) : (await options.authorize(request)) === true);

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

  /** The page and its files: no data, no token; a first visit with the right `?token=` keeps it in a cookie. */
  const page = async (request: IncomingMessage, response: ServerResponse, url: URL, path: string, mount: string): Promise<boolean> => {
    const name = path === '/' || path === '/index.html' ? 'index.html' : /^\/task\/[^/]+$/.test(path) ? 'task.html' : /^\/static\/([\w.-]+)$/.exec(path)?.[1];
    const loaded = await (files ??= StaticFiles.load());
    if (name === undefined || !loaded.has(name)) return false;
    if (name.endsWith('.html') && options.authorize === undefined && url.searchParams.has('token') && carriesToken(request, url, token)) {
      response.setHeader('set-cookie', tokenCookie(token, `${mount}/`));
    }
    loaded.send(response, name);
    return true;
  };

  const route = async (request: IncomingMessage, response: ServerResponse, url: URL, path: string, mount: string): Promise<boolean> => {
    const method = request.method ?? 'GET';
    const action = /^\/api\/(?:dead-letters\/(requeue|purge)|tasks\/([^/]+)\/(revoke))$/.exec(path);
    const reads = path.startsWith('/api/') || path === '/metrics';
    if (reads && !(await allowed(request, url))) {
      sendError(response, 403, options.authorize === undefined ? 'missing or wrong token: use the address huey web printed' : 'refused by the authorize hook');
      return true;
    }
    if (action !== null) {
      if (method !== 'POST') return sendError(response, 405, `${path} takes POST`), true;
      let taskId: string | undefined;
      try {
        taskId = action[2] === undefined ? undefined : decodeURIComponent(action[2]);
      } catch {
        return sendError(response, 400, `not a task id: ${action[2]}`), true;
      }
      return act(action[1] ?? action[3]!, response, taskId).then(() => true);
    }
    if (method !== 'GET' && method !== 'HEAD') return sendError(response, 405, `${path} takes GET`), true;
    if (path === '/api/info') return sendJson(response, 200, await reach(backends.queue, () => info(backends, new Date()))), true;
    if (path === '/api/events') return (method === 'GET' ? events(response) : sendError(response, 405, `${path} takes GET`)), true;
    if (path === '/metrics') {
      const text = await reach(backends.queue, () => scrape(backends.queue));
      response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
      return response.end(text), true;
    }
    const task = /^\/api\/tasks\/([^/]+)$/.exec(path);
    if (task !== null) {
      try {
        return sendJson(response, 200, await taskAnswer(decodeURIComponent(task[1]!))), true;
      } catch (error) {
        if (error instanceof Refusal) return sendError(response, 404, error.message), true;
        if (error instanceof URIError) return sendError(response, 400, `not a task id: ${task[1]}`), true;
        throw error;
      }
    }
    if (reads) return sendError(response, 404, `nothing at ${path}`), true;
    return page(request, response, url, path, mount);
  };

  const handler = (request: IncomingMessage & { originalUrl?: string }, response: ServerResponse, next?: (error?: unknown) => void): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    let path = url.pathname;
    if (prefix !== '') {
      if (path !== prefix && !path.startsWith(`${prefix}/`)) return next === undefined ? sendError(response, 404, `nothing at ${path}`) : next();
      path = path.slice(prefix.length);
    }
    const mount = mountOf(request, prefix, path);
    // the page's addresses are relative: its root must end with a slash
    if (path === '' || (path === '/' && request.originalUrl !== undefined && !new URL(request.originalUrl, 'http://localhost').pathname.endsWith('/'))) {
      response.writeHead(308, { location: `${mount}/${url.search}` });
      return void response.end();
    }
    route(request, response, url, path, mount)
      .then((answered) => {
        if (answered) return;
        if (next !== undefined) return next();
        sendError(response, 404, `nothing at ${url.pathname}`);
      })
      .catch((error: unknown) => {
        if (response.headersSent) return void response.end();
        sendError(response, error instanceof QueueException ? 502 : 500, (error as Error).message.split('\n')[0] ?? String(error));
      });
  };
  return Object.assign(handler, {
    token,
    prefix,
    close: () => {
      poller.close();
      for (const stream of streams) stream.end();
    },
  });
}
