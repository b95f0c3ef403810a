/**
 * Pipelines, as huey 3's: `add.s(1, 2).then(mul, 10).then(show)` is a
 * chain of calls in which each step receives the previous step's result
 * as its first argument. Enqueueing one writes its first step only; the
 * message carries the steps still to come, and the consumer enqueues the
 * next step once a step's result is stored. `.error(fn)` names a step run
 * with the failure when a step fails for good; no later step runs then.
 *
 * @module
 */
import { AsyncData, type GetOptions } from './async-data.js';
import { QueueCommand } from '../core/command.js';
import { ConfigurationError, DataStoreTimeout } from '../exceptions.js';
import { newId, type PipelineStep } from '../core/message.js';
import type { CommandDefinition } from '../core/registry.js';
import * as check from '../core/validate.js';

/** The commands of the functions `queueCommand` made, so that a pipeline accepts those and nothing else. */
const definitions = new WeakMap<object, CommandDefinition>();

/** Records that `fn` is a queued function of `definition` (called by `queueCommand`). */
export function markQueued(fn: object, definition: CommandDefinition): void {
  definitions.set(fn, definition);
}

/** The command of a queued function, or a {@link ConfigurationError} naming the option. */
export function definitionOf(fn: unknown, option: string): CommandDefinition {
  const definition = typeof fn === 'function' ? definitions.get(fn) : undefined;
  if (definition === undefined) check.expected(option, 'a function made by queueCommand', fn);
  return definition;
}

/** One step of a pipeline: a call not enqueued yet, its id already known. */
export interface StepCall extends PipelineStep {
  /** The registered command. */
  definition: CommandDefinition;
}

/** What a queued function of arguments `A` and result `R` looks like to a pipeline. */
export type Queued<A extends unknown[], R> = ((...args: A) => Promise<AsyncData<R>>) & {
  /** The name the command is registered under. */
  readonly commandName: string;
};

/**
 * A chain of calls made with `fn.s(...args)`, extended with
 * {@link Pipeline.then} and {@link Pipeline.error}, and enqueued with
 * `invoker.enqueue(pipeline)`, which resolves to a {@link ResultGroup}.
 * `then` and `error` change the pipeline and return it, as huey 3's do.
 *
 * @typeParam R - The last step's result.
 * @example
 * ```ts
 * const p = add.s(1, 2).then(mul, 10);
 * const group = await invoker.enqueue(p);
 * console.log(await group.get({ blocking: true, timeout: 5 })); // [3, 30]
 * ```
 */
export class Pipeline<R = unknown> {
  readonly #steps: StepCall[];
  #onError: StepCall | undefined;

  /**
   * @param first - The first call: its command and arguments.
   * @param args - The first call's arguments.
   */
  constructor(first: CommandDefinition, args: unknown[]) {
    this.#steps = [{ id: newId(), command: first.name, args, definition: first }];
  }

  /** The steps, in order, each with the id its result will have. */
  get steps(): readonly StepCall[] {
    return this.#steps;
  }

  /** The step run when a step fails for good, if any. */
  get onError(): StepCall | undefined {
    return this.#onError;
  }

  /**
   * Appends a step: `fn` runs with the previous step's result, then `extra`.
   *
   * @param fn - A function made by `queueCommand`.
   * @param extra - More arguments, after the previous result.
   * @returns This pipeline, now ending with `fn`'s result.
   * @throws ConfigurationError when `fn` is not a queued function.
   */
  then<B extends unknown[], R2>(fn: Queued<[R, ...B], R2>, ...extra: B): Pipeline<R2> {
    const definition = definitionOf(fn, 'then() step');
    this.#steps.push({ id: newId(), command: definition.name, args: extra, definition });
    return this as unknown as Pipeline<R2>;
  }

  /**
   * Names the step run when a step fails for good (after its retries):
   * `fn` receives `{ name, message, taskId, command }` of the failure, then
   * `extra`. No later step runs, and their handles reject.
   *
   * @param fn - A function made by `queueCommand`.
   * @param extra - More arguments, after the failure.
   * @returns This pipeline.
   * @throws ConfigurationError when `fn` is not a queued function, or the pipeline has an error step already.
   */
  error<B extends unknown[]>(fn: Queued<[PipelineFailure, ...B], unknown>, ...extra: B): this {
    const definition = definitionOf(fn, 'error() step');
    if (this.#onError !== undefined) throw new ConfigurationError('A pipeline has one error() step; this one has it already');
    this.#onError = { id: newId(), command: definition.name, args: extra, definition };
    return this;
  }
}

/** What an `.error()` step receives as its first argument. */
export interface PipelineFailure {
  /** The failed step's error class, e.g. `TypeError`. */
  name: string;
  /** The error's message. */
  message: string;
  /** The failed step's id. */
  taskId: string;
  /** The failed step's command. */
  command: string;
}

/**
 * The handles of several calls, in order: what `invoker.enqueue(pipeline)`
 * resolves to (one handle per step), and `fn.map(...)` (one per call).
 *
 * @typeParam R - The last step's result (a pipeline), or each call's (`map`).
 * @typeParam Results - What `get` gives: a pipeline's results end with `R`; `map`'s are all `R`.
 */
export class ResultGroup<R = unknown, Results extends unknown[] = [...unknown[], R]> {
  /** One handle per step, in order. */
  readonly handles: readonly AsyncData<unknown>[];

  /** @param handles - The steps' handles, in order. */
  constructor(handles: AsyncData<unknown>[]) {
    this.handles = handles;
  }

  /** The steps' ids, in order. */
  get taskIds(): string[] {
    return this.handles.map((handle) => handle.taskId);
  }

  /**
   * Waits for every step's result, in order; with `timeout`, one deadline for all of them.
   *
   * @param options - As {@link AsyncData.get}, with `blocking: true`.
   * @returns The results in order (the last one typed `R`).
   * @throws TaskException when a step failed for good, or will never run because an earlier one failed.
   * @throws DataStoreTimeout when `blocking` and the deadline passes first.
   */
  get(options: GetOptions & { blocking: true }): Promise<Results>;
  /**
   * Reads every step's result, in order, if each has one.
   *
   * @param options - As {@link AsyncData.get}.
   * @returns The results in order (the last one typed `R`), or `undefined` while a step has none yet (without `blocking`).
   * @throws TaskException when a step failed for good, or will never run because an earlier one failed.
   */
  get(options?: GetOptions): Promise<Results | undefined>;
  async get(options: GetOptions = {}): Promise<Results | undefined> {
    const timeout = options.timeout === undefined ? undefined : check.seconds('timeout', options.timeout, 0);
    const deadline = timeout === undefined ? Infinity : Date.now() + timeout * 1000;
    const results: unknown[] = [];
    for (const handle of this.handles) {
      const left = deadline === Infinity ? undefined : Math.max(0, deadline - Date.now()) / 1000;
      let value: unknown;
      try {
        value = await handle.get({ ...options, ...(left === undefined ? {} : { timeout: left }) });
      } catch (error) {
        if (error instanceof DataStoreTimeout) throw new DataStoreTimeout(`No result for every call of the group within ${timeout} s (call ${results.length + 1} of ${this.handles.length}, task ${handle.taskId})`);
        throw error;
      }
      if (value === undefined && !handle.settled) return undefined;
      results.push(value);
    }
    return results as Results;
  }
}

/** The message a pipeline is enqueued as: its first step, carrying the others. */
export function firstCommand(pipeline: Pipeline): QueueCommand {
  const [first, ...rest] = pipeline.steps;
  return new QueueCommand(first!.definition, first!.args, { taskId: first!.id, then: rest.map(wireStep), ...(pipeline.onError ? { onError: wireStep(pipeline.onError) } : {}) });
}

/** A step as its message carries it: no definition, which the consumer looks up by name. */
const wireStep = (step: StepCall): PipelineStep => ({ id: step.id, command: step.command, args: step.args });

/** Why a step after a failed one rejects. */
export function stoppedError(failure: PipelineFailure): { name: string; message: string } {
  return { name: 'PipelineStopped', message: `Not run: step ${failure.command} ${failure.taskId} of its pipeline failed (${failure.name}: ${failure.message})` };
}
