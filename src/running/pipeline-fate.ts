/**
 * What a consumer does about a pipeline once one of its steps is done:
 * after a step's result is stored, enqueue the next step with that result
 * as its first argument; after a step failed for good, store for each later
 * step an outcome that says it will not run (so its handle rejects at once)
 * and enqueue the pipeline's error step with the failure.
 *
 * @internal
 * @module
 */
import { encodeOutcome } from '../core/message.js';
import { stoppedError, type PipelineFailure } from '../invoker/pipeline.js';
import { QueueCommand } from '../core/command.js';
import type { Invoker } from '../invoker/invoker.js';
import type { CommandDefinition } from '../core/registry.js';

/** The definition of a step's command, or a stand-in naming it: the consumer that reads the step resolves the name. */
function definitionFor(invoker: Invoker, name: string): CommandDefinition {
  return invoker.registry.get(name) ?? { name, fn: () => undefined, moduleUrl: undefined, retries: 0, retryDelay: 0 };
}

/**
 * Enqueues the step after `command`, if any, with `value` first among its arguments.
 *
 * @returns The step enqueued, or `undefined` when `command` was the last (or not in a pipeline).
 */
export async function continuePipeline(invoker: Invoker, command: QueueCommand, value: unknown): Promise<QueueCommand | undefined> {
  const [next, ...rest] = command.then ?? [];
  if (next === undefined) return undefined;
  const step = new QueueCommand(definitionFor(invoker, next.command), [value, ...next.args], { taskId: next.id, then: rest, ...(command.onError ? { onError: command.onError } : {}) });
  await invoker.enqueue(step);
  return step;
}

/**
 * Stops a pipeline whose step `command` failed for good: every later step's
 * handle rejects (`PipelineStopped`), and the error step, if any, is enqueued
 * with the failure first among its arguments.
 *
 * @param error - Why the step failed.
 * @returns The error step enqueued, if any.
 */
export async function stopPipeline(invoker: Invoker, command: QueueCommand, error: { name: string; message: string }): Promise<QueueCommand | undefined> {
  if (command.then === undefined) return undefined;
  const failure: PipelineFailure = { name: error.name, message: error.message, taskId: command.taskId, command: command.name };
  const store = invoker.resultStore;
  if (store !== undefined) {
    const outcome = encodeOutcome({ ok: false, error: stoppedError(failure) });
    for (const step of command.then) await store.put(step.id, outcome);
  }
  const onError = command.onError;
  if (onError === undefined) return undefined;
  const step = new QueueCommand(definitionFor(invoker, onError.command), [failure, ...onError.args], { taskId: onError.id });
  await invoker.enqueue(step);
  return step;
}
