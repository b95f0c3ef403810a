/**
 * `alwaysEager`: a call runs at once in the producer's process, by the
 * rules a consumer follows: the wire format's round trip, a revoked or
 * expired call skipped, the command's lock held while it runs.
 *
 * @internal
 * @module
 */
import { decodeMessage, decodeOutcome, encodeMessage, encodeOutcome, type Outcome } from '../core/message.js';
import { AsyncData } from './async-data.js';
import { QueueCommand } from '../core/command.js';
import type { BaseQueue } from '../backends/base.js';
import type { HueyEvents, TypedEmitter } from '../observe/events.js';
import { ResultGroup, stoppedError, type Pipeline, type PipelineFailure } from './pipeline.js';
import { TaskLock } from '../controls/lock.js';
import { SKIP_ERROR_NAME, whySkip } from '../controls/skip.js';

/** What an eager run needs of its invoker: the queue its controls live on, and where its events go. */
export interface EagerInvoker {
  readonly queue: BaseQueue;
  readonly events: TypedEmitter<HueyEvents>;
}

/**
 * Runs one call eagerly and returns its handle. As before controls
 * existed, a call that throws makes the enqueue reject with its error; a
 * skipped call answers a handle whose `get()` rejects.
 *
 * @param invoker - The eager invoker.
 * @param command - The call.
 * @param data - The call encoded, as it would travel.
 */
export async function runEager<R>(invoker: EagerInvoker, command: QueueCommand<unknown[], R>, data = encodeMessage(command.toMessage())): Promise<AsyncData<R>> {
  // the same round trip as through a queue, so what would fail in a consumer fails here too
  const message = decodeMessage(data);
  const skip = await whySkip(invoker.queue, message, new Date());
  if (skip !== null) {
    if (invoker.events.listenerCount(skip.event) > 0) invoker.events.emit(skip.event, { taskId: command.taskId, command: command.name, reason: skip.reason });
    return AsyncData.failed<R>(command.taskId, { name: SKIP_ERROR_NAME[skip.event], message: skip.reason }, invoker.queue);
  }
  const call = new QueueCommand<unknown[], R>(command.definition, message.args, { taskId: command.taskId });
  const lock = command.definition.lock;
  const value = lock === undefined ? await call.execute() : await new TaskLock(invoker.queue, lock).run(() => call.execute());
  const outcome = decodeOutcome(encodeOutcome({ ok: true, value }, `the result of ${command.name}`));
  return AsyncData.settled<R>(command.taskId, (outcome.ok ? outcome.value : undefined) as R, invoker.queue);
}

/** Runs one call eagerly and answers its outcome: a failure, or a skip, is an outcome, not a rejection (for pipelines). */
export async function eagerOutcome(invoker: EagerInvoker, command: QueueCommand): Promise<Outcome> {
  const handle = await runEager(invoker, command).catch((error: unknown) => error);
  if (!(handle instanceof AsyncData)) {
    const error = handle instanceof Error ? handle : new Error(String(handle));
    return { ok: false, error: { name: error.name, message: error.message } };
  }
  try {
    return { ok: true, value: await handle.get() };
  } catch (error) {
    const remote = error as { remoteName?: string; message: string };
    return { ok: false, error: { name: remote.remoteName ?? 'Error', message: remote.message } };
  }
}

/** `alwaysEager`: each step of a pipeline runs by the rules of an eager call; a failure runs the error step and stops the rest. */
export async function runPipelineEagerly<R>(invoker: EagerInvoker, pipeline: Pipeline<R>): Promise<ResultGroup<R>> {
  const handles: AsyncData<unknown>[] = [];
  let previous: unknown[] = [];
  let failure: PipelineFailure | undefined;
  for (const step of pipeline.steps) {
    if (failure !== undefined) {
      handles.push(AsyncData.failed(step.id, stoppedError(failure), invoker.queue));
      continue;
    }
    const outcome = await eagerOutcome(invoker, new QueueCommand(step.definition, [...previous, ...step.args], { taskId: step.id }));
    handles.push(outcome.ok ? AsyncData.settled(step.id, outcome.value, invoker.queue) : AsyncData.failed(step.id, outcome.error, invoker.queue));
    if (outcome.ok) previous = [outcome.value];
    else failure = { name: outcome.error.name, message: outcome.error.message, taskId: step.id, command: step.command };
  }
  if (failure !== undefined && pipeline.onError !== undefined) {
    const { definition, args, id } = pipeline.onError;
    await eagerOutcome(invoker, new QueueCommand(definition, [failure, ...args], { taskId: id }));
  }
  return new ResultGroup<R>(handles);
}
