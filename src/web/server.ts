/**
 * `huey web`: the queue as a live page, on a server of its own. A thin
 * server around {@link webHandler} (which serves the page, the API, the
 * events and `/metrics`) that listens on loopback by default and refuses
 * requests whose `Host` is not its own.
 *
 * @module
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueException } from '../exceptions.js';
import { sendError, webHandler, type WebSource } from './handler.js';

export type { WebSource } from './handler.js';

/** Options of {@link serveWeb}. */
export interface WebOptions {
  /** The port; `0` picks a free one. @defaultValue `8300` */
  port?: number;
  /** The address to listen on; anything but loopback opens the page to the network. @defaultValue `'127.0.0.1'` */
  host?: string;
  /** The token reads and actions must carry. @defaultValue a new random one, 32 characters */
  token?: string;
}

/** A running live view. */
export interface WebServer {
  /** The page's address with its token: `http://127.0.0.1:8300/?token=…`. */
  readonly url: string;
  /** The port it listens on (useful with `port: 0`). */
  readonly port: number;
  /** The token reads and actions must carry. */
  readonly token: string;
  /** Stops listening and closes the open pages' streams; resolves once stopped. Does not close the backends. */
  close(): Promise<void>;
}

/** Whether `host` is a loopback address, where the Host header is checked (against DNS rebinding). */
const isLoopback = (host: string): boolean => host === '127.0.0.1' || host === 'localhost' || host === '::1';

/**
 * Serves the live view of a queue: `/` the queue, `/task/<id>` one task's
 * timeline, `/api/info`, `/api/tasks/<id>`, `/api/events` (server-sent
 * events), `/metrics` (Prometheus) and the POST actions. Serves until
 * {@link WebServer.close}. To mount the view in your own server, use
 * {@link webHandler}.
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
  const view = webHandler(source, options.token === undefined ? {} : { token: options.token });
  const server = createServer((request, response) => {
    // a page of another site that resolves its own name to 127.0.0.1 must not read the queue
    if (isLoopback(host) && !/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(request.headers.host ?? '')) {
      return sendError(response, 403, `unexpected Host header "${request.headers.host ?? ''}"`);
    }
    view(request, response);
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
    url: `http://${shown}:${port}/?token=${view.token}`,
    port,
    token: view.token,
    close: async () => {
      view.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
