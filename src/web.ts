/**
 * `huey/web`: the live view of a queue, served from your own process (the
 * way to watch a memory queue, which no other process can see): on a
 * server of its own with {@link serveWeb}, or mounted in yours (`http`,
 * Express) with {@link webHandler}. The command line's `huey web
 * main.Configuration` serves the same page.
 *
 * @module
 */
export { serveWeb, type WebOptions, type WebServer } from './web/server.js';
export { webHandler, type WebHandler, type WebHandlerOptions, type WebSource } from './web/handler.js';
