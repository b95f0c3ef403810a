/**
 * How the consumer runs a call: `async` in its own event loop, or in a pool
 * of worker threads or child processes for CPU-bound commands
 * (`WORKER_TYPE`, `pool.ts`). Every executor runs a call as its
 * {@link RunningCall}: `currentTask()` answers inside it, and when the fate
 * aborts its signal (a timeout, a revoke, a shutdown) the executor gives
 * the call {@link ABORT_GRACE_MS} to stop, then stops waiting for it.
 *
 * @internal
 * @module
 */
import { dirname } from 'node:path';
import type { QueueCommand } from '../core/command.js';
import type { RunningCall } from './call.js';
import { runAs } from './current-task.js';
import type { Logger } from './logger.js';
import { PoolExecutor } from './pool.js';
import { ABORT_GRACE_MS, type Executor, type WorkerType } from './worker-protocol.js';

export type { Executor, WorkerType } from './worker-protocol.js';

/**
 * Calls run in the consumer's event loop. JavaScript cannot stop a
 * function from outside: a call that ignores its aborted signal goes on
 * running after its grace, and only its slot is freed, with a warning.
 */
export class AsyncExecutor implements Executor {
  readonly #log: Logger | undefined;

  constructor(log?: Logger) {
    this.#log = log;
  }

  async start(): Promise<void> {}
  async restart(): Promise<void> {}
  async close(): Promise<void> {}

  run(command: QueueCommand, call: RunningCall): Promise<unknown> {
    const running = runAs(call, () => command.execute());
    return new Promise((resolve, reject) => {
      let grace: NodeJS.Timeout | undefined;
      call.onAbort(() => {
        grace = setTimeout(() => {
          this.#log?.warn(`${command.name} ${command.taskId} ignored its signal (${call.reason!.message}) and still runs: its slot is freed; a thread worker can end such a call`);
          reject(call.reason);
        }, ABORT_GRACE_MS);
      });
      running.then(
        (value) => (call.reason === undefined ? resolve(value) : reject(call.reason)),
        (error: unknown) => reject(call.reason ?? error),
      ).finally(() => clearTimeout(grace));
    });
  }
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
      ? new AsyncExecutor(log)
      : new PoolExecutor(config.WORKER_TYPE, config.THREADS, { configFile: module.file, attribute: module.attribute, root: importRoot ?? dirname(module.file) }, log);
  await executor.start();
  return executor;
}
