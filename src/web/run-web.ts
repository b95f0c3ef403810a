/**
 * `huey web <config>`: serves the live view until SIGINT or SIGTERM. The
 * subcommand is declared with the others in `cli/inspect.ts`.
 *
 * @internal
 * @module
 */
import type { Backends } from '../observe/inspection.js';
import { serveWeb } from './server.js';

/** Where `huey web` writes and how it learns to stop; replaceable in tests. */
export interface WebIo {
  stdout: (text: string) => void;
  /** Installs the stop handler; returns a function that removes it. @defaultValue SIGINT and SIGTERM */
  onSignals?: ((handler: () => void) => () => void) | undefined;
}

const signals = (handler: () => void): (() => void) => {
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
};

/**
 * Serves the page of a queue, prints its one line (the address with the
 * token), and resolves once stopped by a signal.
 *
 * @throws QueueException when the port is taken: one line, exit code 1.
 */
export async function runWeb({ queue, store }: Backends, options: { port: number; host: string }, io: WebIo): Promise<void> {
  const web = await serveWeb({ queue, resultStore: store }, options);
  // the handler is in place before the line is printed: whoever reads the address may stop us at once
  let off = (): void => {};
  const stopped = new Promise<void>((resolve) => {
    off = (io.onSignals ?? signals)(() => {
      off();
      resolve();
    });
  });
  io.stdout(`huey web: ${web.url}\n`);
  await stopped;
  await web.close();
}
