/**
 * How the consumer runs a call: `async` in its own event loop, or in a pool
 * of worker threads or child processes for CPU-bound commands
 * (`WORKER_TYPE`). Every executor enforces the command's `timeout`.
 *
 * @internal
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ConfigurationError, TimeoutError, WorkerExitError } from '../exceptions.js';
import { decodeOutcome, encodeMessage } from '../core/message.js';
import type { QueueCommand } from '../core/command.js';
import type { Logger } from './logger.js';

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
export type ToWorker = { type: 'init'; init: WorkerInit } | { type: 'run'; id: number; data: string };
/** Messages from a worker. */
export type FromWorker =
  | { type: 'ready'; commands: string[]; imported: number }
  | { type: 'failed'; error: string }
  | { type: 'done'; id: number; outcome: string };

/** Runs calls; the consumer stores results and acknowledges. */
export interface Executor {
  /** Resolves once calls can run (workers started and their commands imported). */
  start(): Promise<void>;
  /** Runs one call; rejects with what it threw, `TimeoutError`, or `WorkerExitError`. */
  run(command: QueueCommand): Promise<unknown>;
  /** Starts fresh workers; the old ones finish their calls and exit (hot reload). */
  restart(): Promise<void>;
  /** Ends every worker. */
  close(): Promise<void>;
}

/** Calls run in the consumer's event loop; a timed-out call is abandoned, since JavaScript cannot stop it. */
export class AsyncExecutor implements Executor {
  async start(): Promise<void> {}
  async restart(): Promise<void> {}
  async close(): Promise<void> {}

  run(command: QueueCommand): Promise<unknown> {
    const call = command.execute();
    const timeout = command.definition.timeout;
    if (timeout === undefined) return call;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(timedOut(command, timeout)), timeout * 1000);
      call.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }
}

function timedOut(command: QueueCommand, seconds: number): TimeoutError {
  return new TimeoutError(`${command.name} ${command.taskId} timed out after ${seconds} s`);
}

/**
 * Starts the executor a configuration asks for: calls in the consumer's
 * event loop, or a pool of `THREADS` thread or process workers that import
 * the configuration module themselves.
 *
 * @param config - `WORKER_TYPE` and `THREADS`.
 * @param module - The configuration module, for thread and process workers.
 * @param importRoot - The package root workers import unknown commands from; the module's folder when absent.
 * @param log - The consumer's log.
 * @returns The executor, once calls can run.
 */
export async function startExecutor(
  config: { WORKER_TYPE: WorkerType; THREADS: number },
  module: { file: string; attribute: string } | undefined,
  importRoot: string | undefined,
  log: Logger,
): Promise<Executor> {
  const executor: Executor =
    config.WORKER_TYPE === 'async' || module === undefined
      ? new AsyncExecutor()
      : new PoolExecutor(config.WORKER_TYPE, config.THREADS, { configFile: module.file, attribute: module.attribute, root: importRoot ?? dirname(module.file) }, log);
  await executor.start();
  return executor;
}

/** One worker thread or process, seen from the consumer. */
interface WorkerHandle {
  readonly label: string;
  send(message: ToWorker): void;
  kill(): void;
  onMessage(listener: (message: FromWorker) => void): void;
  onExit(listener: (code: number | null) => void): void;
}

const ENTRY = new URL('./worker.js', import.meta.url);

function spawnThread(init: WorkerInit): WorkerHandle {
  const worker = new Worker(ENTRY, { workerData: init });
  return {
    label: `thread ${worker.threadId}`,
    send: (message) => worker.postMessage(message),
    kill: () => void worker.terminate(),
    onMessage: (listener) => worker.on('message', listener),
    onExit: (listener) => worker.on('exit', listener),
  };
}

function spawnProcess(init: WorkerInit): WorkerHandle {
  const child: ChildProcess = fork(ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send({ type: 'init', init } satisfies ToWorker);
  return {
    label: `process ${child.pid}`,
    send: (message) => child.send(message),
    kill: () => void child.kill('SIGKILL'),
    onMessage: (listener) => child.on('message', listener as (message: unknown) => void),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
  };
}

interface Call {
  id: number;
  command: QueueCommand;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

interface PoolWorker {
  handle: WorkerHandle;
  call: Call | undefined;
  ready: boolean;
  retiring: boolean;
  /** Why the pool ended it, when it did. */
  stopped?: string;
}

/** A pool of worker threads or child processes, one call at a time each. */
export class PoolExecutor implements Executor {
  readonly #type: 'thread' | 'process';
  readonly #size: number;
  readonly #init: WorkerInit;
  readonly #log: Logger;
  #workers = new Set<PoolWorker>();
  #waiting: Call[] = [];
  #nextId = 1;
  #closing = false;

  constructor(type: 'thread' | 'process', size: number, init: WorkerInit, log: Logger) {
    this.#type = type;
    this.#size = size;
    this.#init = init;
    this.#log = log;
  }

  async start(): Promise<void> {
    await this.#spawnAll();
  }

  async restart(): Promise<void> {
    const old = [...this.#workers];
    for (const worker of old) worker.retiring = true;
    await this.#spawnAll();
    for (const worker of old) if (worker.call === undefined) worker.handle.kill();
  }

  async close(): Promise<void> {
    this.#closing = true;
    for (const worker of this.#workers) worker.handle.kill();
    for (const call of this.#waiting.splice(0)) call.reject(new WorkerExitError('the consumer stopped before the call could run'));
  }

  run(command: QueueCommand): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ id: this.#nextId++, command, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    for (const worker of this.#workers) {
      if (this.#waiting.length === 0) return;
      if (!worker.ready || worker.retiring || worker.call !== undefined) continue;
      const call = this.#waiting.shift()!;
      worker.call = call;
      const timeout = call.command.definition.timeout;
      if (timeout !== undefined) {
        call.timer = setTimeout(() => {
          // the only way to stop running JavaScript: end its worker (a fresh one replaces it)
          worker.call = undefined;
          worker.stopped = `${call.command.name} ${call.command.taskId} timed out`;
          call.reject(timedOut(call.command, timeout));
          worker.handle.kill();
        }, timeout * 1000);
      }
      worker.handle.send({ type: 'run', id: call.id, data: call.command.raw ?? encodeMessage(call.command.toMessage()) });
    }
  }

  /** Starts a full set of workers; their start-up lines are logged in order, once all are ready. */
  async #spawnAll(): Promise<void> {
    const lines = await Promise.all(Array.from({ length: this.#size }, () => this.#spawn(false)));
    for (const line of lines) this.#log.info(line);
  }

  /** Starts one worker; resolves with its start-up line (logged here when `log`) once it is ready. */
  #spawn(log = true): Promise<string> {
    const handle = this.#type === 'thread' ? spawnThread(this.#init) : spawnProcess(this.#init);
    const worker: PoolWorker = { handle, call: undefined, ready: false, retiring: false };
    this.#workers.add(worker);
    return new Promise((started, failed) => {
      handle.onMessage((message) => {
        if (message.type === 'ready') {
          worker.ready = true;
          const line = `worker ${handle.label} imported ${basename(this.#init.configFile)} and ${message.imported} COMMANDS modules: ${message.commands.length} commands`;
          if (log) this.#log.info(line);
          started(line);
          this.#dispatch();
        } else if (message.type === 'failed') {
          failed(new ConfigurationError(`worker ${handle.label} could not import the commands:\n${message.error}`));
          handle.kill();
        } else {
          this.#finish(worker, message.id, message.outcome);
        }
      });
      handle.onExit((code) => {
        this.#workers.delete(worker);
        const call = worker.call;
        worker.call = undefined;
        if (call !== undefined) {
          clearTimeout(call.timer);
          call.reject(new WorkerExitError(`worker ${handle.label} exited with code ${code} while running ${call.command.name} ${call.command.taskId}`));
        }
        if (!worker.ready) failed(new ConfigurationError(`worker ${handle.label} exited with code ${code} while starting`));
        if (!this.#closing && !worker.retiring) {
          this.#log.warn(`worker ${handle.label} ${worker.stopped ? `stopped: ${worker.stopped}` : `exited with code ${code}`}; starting a new one`);
          this.#spawn().catch((error: Error) => this.#log.error(error.message));
        }
      });
    });
  }

  #finish(worker: PoolWorker, id: number, outcome: string): void {
    const call = worker.call;
    if (call === undefined || call.id !== id) return; // a call that already timed out
    worker.call = undefined;
    clearTimeout(call.timer);
    const result = decodeOutcome(outcome);
    if (result.ok) call.resolve(result.value);
    else call.reject(Object.assign(new Error(result.error.message), result.error));
    if (worker.retiring) worker.handle.kill();
    else this.#dispatch();
  }
}
