/**
 * One call of a registered command: {@link QueueCommand} holds the function's
 * definition, the arguments and the call's place in the queue (id, eta,
 * retries, priority, expiry, pipeline), and turns into the message it
 * travels as; {@link PeriodicQueueCommand} is a call of a periodic command.
 *
 * @module
 */
import { newId, type Message, type PipelineStep, type TraceContext } from './message.js';
import type { CommandDefinition } from './registry.js';
/**
 * When a call expires: `expires` seconds after it was enqueued, or the
 * instant given; `null` without one.
 */
export function expiryOf(expires: number | Date | undefined, enqueuedAt: Date): Date | null {
  if (expires === undefined) return null;
  return expires instanceof Date ? expires : new Date(enqueuedAt.getTime() + expires * 1000);
}

/** Where a call stands in the queue: its id, eta and retries. */
export interface CallOptions {
  /** The call's id; a fresh one when not given. */
  taskId?: string;
  /** When to run it; `null` or absent for as soon as possible. */
  eta?: Date | null;
  /** Retries left; the command's `retries` when not given. */
  retries?: number;
  /** Seconds before a retry; the command's `retryDelay` when not given. */
  retryDelay?: number;
  /** When it was first enqueued; now when not given. */
  enqueuedAt?: Date;
  /** The message as read from the queue, for acknowledging it. */
  raw?: string;
  /** Higher runs first; the command's `priority` (else 0) when not given. */
  priority?: number;
  /** After this instant the call is not run; from the command's `expires` when not given. */
  expires?: Date | null;
  /** The pipeline steps that follow this call. */
  then?: PipelineStep[];
  /** The pipeline's error step. */
  onError?: PipelineStep;
  /** The W3C trace context the call's message carries (see `Message.traceContext`). */
  traceContext?: TraceContext | undefined;
}

/**
 * One call of a registered command: the function's name, its arguments and
 * its place in the queue. The consumer builds it from a message and runs
 * {@link QueueCommand.execute}.
 */
export class QueueCommand<A extends unknown[] = unknown[], R = unknown> {
  /** The registered command this is a call of. */
  readonly definition: CommandDefinition;
  /** The arguments of the call. */
  readonly args: A;
  /** The call's id, the same in the queue and in the result store. */
  readonly taskId: string;
  /** When to run it, or `null` for as soon as possible. */
  readonly eta: Date | null;
  /** How many more times a failure is retried. */
  readonly retries: number;
  /** Seconds between a failure and its retry. */
  readonly retryDelay: number;
  /** When the call was first enqueued. */
  readonly enqueuedAt: Date;
  /** The message exactly as read from the queue, when it was read from one. */
  readonly raw: string | undefined;
  /** Higher runs first; equal priorities in the order they were enqueued. */
  readonly priority: number;
  /** After this instant the call is not run; `null` for never. */
  readonly expires: Date | null;
  /** The pipeline steps that follow this call, in order: empty for a pipeline's last step, `undefined` outside a pipeline. */
  readonly then: readonly PipelineStep[] | undefined;
  /** The pipeline's error step, if any. */
  readonly onError: PipelineStep | undefined;
  /** The W3C trace context its message carried, when it was traced. */
  readonly traceContext: TraceContext | undefined;

  /**
   * @param definition - The registered command.
   * @param args - The call's arguments.
   * @param options - Id, eta and retries; defaults come from the command.
   */
  constructor(definition: CommandDefinition, args: A, options: CallOptions = {}) {
    this.definition = definition;
    this.args = args;
    this.taskId = options.taskId ?? newId();
    this.eta = options.eta ?? null;
    this.retries = options.retries ?? definition.retries;
    this.retryDelay = options.retryDelay ?? definition.retryDelay;
    this.enqueuedAt = options.enqueuedAt ?? new Date();
    this.raw = options.raw;
    this.priority = options.priority ?? definition.priority ?? 0;
    this.expires = options.expires !== undefined ? options.expires : expiryOf(definition.expires, this.enqueuedAt);
    this.then = options.then;
    this.onError = options.onError;
    this.traceContext = options.traceContext;
  }

  /** The command's name, e.g. `commands.countBeans`. */
  get name(): string {
    return this.definition.name;
  }

  /** Which attempt this call is: 1 on the first run, 2 on the first retry, ... (its message carries the retries left). */
  get attempt(): number {
    return Math.max(1, this.definition.retries - this.retries + 1);
  }

  /**
   * Runs the function with the call's arguments.
   *
   * @returns A promise of the function's result; it rejects with what the function threw.
   */
  async execute(): Promise<R> {
    return (await (this.definition.fn as (...args: A) => unknown)(...this.args)) as R;
  }

  /** The message this call travels as. */
  toMessage(): Message {
    return {
      id: this.taskId,
      command: this.name,
      args: this.args,
      eta: this.eta,
      retries: this.retries,
      retryDelay: this.retryDelay,
      enqueuedAt: this.enqueuedAt,
      priority: this.priority,
      expires: this.expires,
      ...(this.then ? { then: [...this.then] } : {}),
      ...(this.onError ? { onError: this.onError } : {}),
      ...(this.traceContext ? { traceContext: this.traceContext } : {}),
    };
  }
}

/** A call of a periodic command; the consumer enqueues one in each minute its validator accepts. */
export class PeriodicQueueCommand extends QueueCommand<[], unknown> {
  /**
   * Tells whether the command runs in the minute of `date`.
   *
   * @param date - Any instant in the minute.
   * @param options - `utc: false` reads local fields instead of UTC ones.
   */
  validateDatetime(date: Date, options: { utc?: boolean } = {}): boolean {
    return this.definition.validator?.(date, options) ?? false;
  }
}
