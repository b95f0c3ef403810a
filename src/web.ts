/**
 * `huey/web`: the live view of a queue, served from your own process (the
 * way to watch a memory queue, which no other process can see). The
 * command line's `huey web main.Configuration` serves the same page.
 *
 * @module
 */
export { serveWeb, type WebOptions, type WebServer, type WebSource } from './web/server.js';
