/**
 * The running call as the call itself sees it: `currentTask()` inside a
 * command answers who it is (id, name, attempt, deliveries), an
 * `AbortSignal` that tells it to stop (a timeout, a revoke, a shutdown),
 * and `progress()` to report how far it got. One `AsyncLocalStorage` holds
 * it, in the consumer's event loop and in each worker thread or process,
 * so it is the same whatever worker runs the call.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** A call while it runs, as `currentTask()` answers it. */
export interface RunningTask {
  /** The task id: the same across retries. */
  readonly id: string;
  /** The command's name, e.g. `commands.sendEmail`. */
  readonly name: string;
  /** 1 on the first run, 2 on the first retry, ... */
  readonly attempt: number;
  /** Times this attempt was handed to a consumer: 1, or more after a crash, a lost claim or a shutdown put it back. */
  readonly deliveries: number;
  /** Aborts when the call should stop; its `reason` is a typed exception (`TimeoutError`, `TaskRevokedError`, `ShutdownError`). */
  readonly signal: AbortSignal;
  /**
   * Reports how far the call got: any value an argument could be. The
   * latest is kept, and the producer reads it with `handle.progress()`;
   * writes are throttled, so a call may report in a tight loop.
   *
   * @throws QueueWriteException for a value that cannot be sent (a function, a cycle), as for an argument.
   */
  progress(value: unknown): void;
}

/** What runs: the call's task, made when first asked for (most calls never ask). */
const running = new AsyncLocalStorage<{ readonly task: RunningTask }>();

/**
 * The call running here, or `undefined` outside a call (never throws).
 *
 * @example
 * ```ts
 * const report = queueCommand(invoker, { timeout: 60 })(async function report(rows: number) {
 *   const task = currentTask()!;
 *   for (let done = 0; done < rows && !task.signal.aborted; done++) task.progress({ done, of: rows });
 * });
 * ```
 */
export function currentTask(): RunningTask | undefined {
  return running.getStore()?.task;
}

/** Runs `fn` as the call `call`: `currentTask()` answers its task inside it, and in whatever it awaits. */
export function runAs<T>(call: { readonly task: RunningTask }, fn: () => T): T {
  return running.run(call, fn);
}
