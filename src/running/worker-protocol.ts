/**
 * What the consumer and its executors say to each other: the executor's
 * interface, and the messages between the pool and a worker thread or
 * process.
 *
 * @internal
 * @module
 */
import type { QueueCommand } from '../core/command.js';
import type { RunningCall, TaskIdentity } from './call.js';

/**
 * How long a call whose signal aborted may take to stop before its worker
 * is ended (thread, process) or its slot freed (async): long enough for a
 * call that checks its signal to clean up, short enough that a stuck one
 * does not hold a slot.
 */
export const ABORT_GRACE_MS = 1000;

/** The kinds of worker; `async` runs calls in the consumer's own event loop. */
export type WorkerType = 'async' | 'thread' | 'process';

/** What a worker needs to import the commands itself. */
export interface WorkerInit {
  /** The configuration module's file. */
  configFile: string;
  /** The configuration class's export name. */
  attribute: string;
  /** The package root unknown commands are imported from. */
  root: string;
}

/** Messages to a worker. */
export type ToWorker =
  | { type: 'init'; init: WorkerInit }
  | { type: 'run'; id: number; data: string; task: TaskIdentity }
  | { type: 'abort'; id: number; reason: { name: string; message: string } };
/** Messages from a worker. */
export type FromWorker =
  | { type: 'ready'; commands: string[]; imported: number }
  | { type: 'failed'; error: string }
  | { type: 'progress'; id: number; encoded: string }
  | { type: 'done'; id: number; outcome: string };

/** Runs calls; the consumer stores results and acknowledges. */
export interface Executor {
  /** Resolves once calls can run (workers started and their commands imported). */
  start(): Promise<void>;
  /** Runs one call as `call`; rejects with what it threw, its signal's reason once aborted, or `WorkerExitError`. */
  run(command: QueueCommand, call: RunningCall): Promise<unknown>;
  /** Starts fresh workers; the old ones finish their calls and exit (hot reload). */
  restart(): Promise<void>;
  /** Ends every worker. */
  close(): Promise<void>;
}
