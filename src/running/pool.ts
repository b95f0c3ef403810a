/**
 * A pool of worker threads or child processes, one call at a time each,
 * for CPU-bound commands. A worker is the unit that can be stopped: when a
 * call's signal aborts, its worker is told, and a worker whose call has
 * not stopped after {@link ABORT_GRACE_MS} is ended and replaced. A worker
 * being ended never receives another call, and a worker's exit or error
 * fails the call it was running, nothing else.
 *
 * @internal
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { QueueCommand } from '../core/command.js';
import { decodeOutcome, encodeMessage } from '../core/message.js';
import { ConfigurationError, WorkerExitError } from '../exceptions.js';
import type { RunningCall } from './call.js';
import type { Logger } from './logger.js';
import { ABORT_GRACE_MS, type Executor, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.js';

/** One worker thread or process, seen from the consumer. */
interface WorkerHandle {
  readonly label: string;
  send(message: ToWorker): void;
  kill(): void;
  onMessage(listener: (message: FromWorker) => void): void;
  onExit(listener: (code: number | null) => void): void;
}

const ENTRY = new URL('./worker.js', import.meta.url);

function spawnThread(init: WorkerInit, log: Logger): WorkerHandle {
  const worker = new Worker(ENTRY, { workerData: init });
  const label = `thread ${worker.threadId}`;
  // an error thrown out of the thread ends it; 'exit' follows and fails its call
  worker.on('error', (error) => log.warn(`worker ${label} failed: ${error.message}`));
  return {
    label,
    send: (message) => worker.postMessage(message),
    kill: () => void worker.terminate(),
    onMessage: (listener) => worker.on('message', listener),
    onExit: (listener) => worker.on('exit', listener),
  };
}

function spawnProcess(init: WorkerInit, log: Logger): WorkerHandle {
  const child: ChildProcess = fork(ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const label = `process ${child.pid}`;
  // EPIPE and the like when the child is gone: 'exit' follows and fails its call
  child.on('error', (error) => log.warn(`worker ${label} failed: ${error.message}`));
  const send = (message: ToWorker): void => {
    if (child.connected) child.send(message, (error) => error && log.warn(`worker ${label} could not be sent a message: ${error.message}`));
  };
  send({ type: 'init', init });
  return {
    label,
    send,
    kill: () => void child.kill('SIGKILL'),
    onMessage: (listener) => child.on('message', listener as (message: unknown) => void),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
  };
}

interface Call {
  id: number;
  command: QueueCommand;
  running: RunningCall;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  settled: boolean;
  grace?: NodeJS.Timeout;
}

interface PoolWorker {
  handle: WorkerHandle;
  call: Call | undefined;
  ready: boolean;
  /** Finishes its call, then exits (hot reload): takes no new one. */
  retiring: boolean;
  /** Being ended by the pool, and why: takes no new call, and is not answered any more. */
  ending?: string;
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
    for (const call of this.#waiting.splice(0)) settle(call, new WorkerExitError('the consumer stopped before the call could run'));
  }

  run(command: QueueCommand, running: RunningCall): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call: Call = { id: this.#nextId++, command, running, resolve, reject, settled: false };
      running.onAbort(() => this.#abort(call));
      this.#waiting.push(call);
      this.#dispatch();
    });
  }

  /** The call's signal aborted: a waiting call fails at once; a running one is told, and its worker ended after the grace. */
  #abort(call: Call): void {
    const reason = call.running.reason!;
    const waiting = this.#waiting.indexOf(call);
    if (waiting >= 0) {
      this.#waiting.splice(waiting, 1);
      return settle(call, reason);
    }
    const worker = [...this.#workers].find((w) => w.call === call);
    if (worker === undefined) return;
    worker.handle.send({ type: 'abort', id: call.id, reason: { name: reason.name, message: reason.message } });
    call.grace = setTimeout(() => {
      // the only way to stop running JavaScript: end its worker (a fresh one replaces it)
      worker.ending = `${call.command.name} ${call.command.taskId} did not stop within ${ABORT_GRACE_MS} ms of its signal (${reason.message})`;
      settle(call, reason);
      worker.handle.kill();
    }, ABORT_GRACE_MS);
  }

  #dispatch(): void {
    for (const worker of this.#workers) {
      if (this.#waiting.length === 0) return;
      if (!worker.ready || worker.retiring || worker.ending !== undefined || worker.call !== undefined) continue;
      const call = this.#waiting.shift()!;
      worker.call = call;
      worker.handle.send({ type: 'run', id: call.id, data: call.command.raw ?? encodeMessage(call.command.toMessage()), task: call.running.identity });
    }
  }

  /** Starts a full set of workers; their start-up lines are logged in order, once all are ready. */
  async #spawnAll(): Promise<void> {
    const lines = await Promise.all(Array.from({ length: this.#size }, () => this.#spawn(false)));
    for (const line of lines) this.#log.info(line);
  }

  /** Starts one worker; resolves with its start-up line (logged here when `log`) once it is ready. */
  #spawn(log = true): Promise<string> {
    const handle = this.#type === 'thread' ? spawnThread(this.#init, this.#log) : spawnProcess(this.#init, this.#log);
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
        } else if (message.type === 'progress') {
          if (worker.call?.id === message.id) worker.call.running.report(message.encoded);
        } else {
          this.#finish(worker, message.id, message.outcome);
        }
      });
      handle.onExit((code) => {
        this.#workers.delete(worker);
        const call = worker.call;
        worker.call = undefined;
        if (call !== undefined) settle(call, new WorkerExitError(`worker ${handle.label} exited with code ${code} while running ${call.command.name} ${call.command.taskId}`));
        if (!worker.ready) failed(new ConfigurationError(`worker ${handle.label} exited with code ${code} while starting`));
        if (!this.#closing && !worker.retiring) {
          this.#log.warn(`worker ${handle.label} ${worker.ending ? `ended: ${worker.ending}` : `exited with code ${code}`}; starting a new one`);
          this.#spawn().catch((error: Error) => this.#log.error(error.message));
        }
        this.#dispatch();
      });
    });
  }

  #finish(worker: PoolWorker, id: number, outcome: string): void {
    const call = worker.call;
    if (call === undefined || call.id !== id || worker.ending !== undefined) return;
    worker.call = undefined;
    const result = decodeOutcome(outcome);
    // a call told to stop fails with its signal's reason, whatever it answered
    if (call.running.reason !== undefined) settle(call, call.running.reason);
    else if (result.ok) settle(call, undefined, result.value);
    else settle(call, Object.assign(new Error(result.error.message), result.error));
    if (worker.retiring) worker.handle.kill();
    else this.#dispatch();
  }
}

/** Settles a call once: the first of its answer, its abort and its worker's exit wins. */
function settle(call: Call, error: Error | undefined, value?: unknown): void {
  if (call.settled) return;
  call.settled = true;
  clearTimeout(call.grace);
  if (error === undefined) call.resolve(value);
  else call.reject(error);
}

