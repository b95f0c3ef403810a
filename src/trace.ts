/**
 * The trace: every event of every producer and consumer that has tracing
 * on, appended as one JSON line to a trace kept by the backend, so the life
 * of one task can be read in one place across processes and machines
 * (`huey trace main.Configuration <task id>`).
 *
 * A line reads:
 *
 * ```json
 * {"time":"2030-01-01T12:00:00.000Z","pid":4242,"host":"web-1","event":"enqueued","payload":{"taskId":"…","command":"commands.countBeans","eta":null,"retries":0}}
 * ```
 *
 * A producer traces when its invoker is created with `trace: true`; a
 * consumer when its configuration has `TRACE = true` (or `--trace`).
 *
 * @internal
 * @module
 */
import { hostname } from 'node:os';
import type { BaseQueue } from './backends/base.js';
import { EVENT_NAMES, type HueyEventName, type HueyEvents, type TypedEmitter } from './events.js';

/** One line of the trace, decoded. */
export interface TraceLine {
  /** When the event happened, ISO 8601. */
  time: string;
  /** The process it happened in. */
  pid: number;
  /** The host of that process. */
  host: string;
  /** The event's name. */
  event: HueyEventName;
  /** The event's payload, as JSON (dates as ISO strings). */
  payload: Record<string, unknown>;
}

const HOST = hostname();

/** Encodes one event as a trace line. */
export function traceLine<K extends HueyEventName>(event: K, payload: HueyEvents[K], time = new Date()): string {
  return JSON.stringify({ time: time.toISOString(), pid: process.pid, host: HOST, event, payload });
}

/**
 * Tells whether a trace line is about `taskId`: its payload's `taskId`.
 * Backends filter with it; it looks at the text, so it does not parse lines
 * of other tasks.
 */
export function mentionsTask(line: string, taskId: string): boolean {
  return line.includes(`"taskId":${JSON.stringify(taskId)}`);
}

/** Decodes a trace line; `undefined` for a line that is not one (a torn write, a hand edit). */
export function parseTraceLine(line: string): TraceLine | undefined {
  try {
    const data = JSON.parse(line) as TraceLine;
    return typeof data === 'object' && data !== null && typeof data.event === 'string' && typeof data.time === 'string' ? data : undefined;
  } catch {
    // not JSON: skipped by readers, as a log reader skips a torn line
    return undefined;
  }
}

/** Appends every event of one emitter to one queue's trace, in order. */
export class Tracer {
  readonly #queue: BaseQueue;
  readonly #events: TypedEmitter<HueyEvents>;
  readonly #listeners = new Map<HueyEventName, (payload: HueyEvents[HueyEventName]) => void>();
  #pending: Promise<void> = Promise.resolve();
  #warned = false;

  /**
   * @param queue - The queue whose backend keeps the trace; it must have `traceAppend`.
   * @param events - The events to trace.
   */
  constructor(queue: BaseQueue, events: TypedEmitter<HueyEvents>) {
    this.#queue = queue;
    this.#events = events;
    for (const name of EVENT_NAMES) {
      const listener = (payload: HueyEvents[HueyEventName]): void => this.#append(traceLine(name, payload));
      this.#listeners.set(name, listener);
      events.on(name, listener);
    }
  }

  /** Resolves once every line traced so far is appended. */
  flush(): Promise<void> {
    return this.#pending;
  }

  /** Stops tracing; resolves once the lines already traced are appended. */
  stop(): Promise<void> {
    for (const [name, listener] of this.#listeners) this.#events.off(name, listener);
    this.#listeners.clear();
    return this.#pending;
  }

  #append(line: string): void {
    // one append at a time, so the trace keeps the order of this process's events
    this.#pending = this.#pending.then(() => this.#queue.traceAppend!(line)).catch((error: unknown) => {
      if (this.#warned) return;
      this.#warned = true;
      process.emitWarning(`could not append to the trace of queue "${this.#queue.name}": ${(error as Error).message}`, 'HueyTraceWarning');
    });
  }
}

const tracers = new WeakMap<object, Tracer>();

/**
 * Starts tracing the events of an invoker (and of any consumer running it)
 * into its queue's trace; once per invoker, however often it is asked.
 *
 * @returns The tracer, or `undefined` when the queue keeps no trace.
 */
export function startTrace(invoker: { queue: BaseQueue; events: TypedEmitter<HueyEvents> }): Tracer | undefined {
  const known = tracers.get(invoker);
  if (known !== undefined) return known;
  if (invoker.queue.traceAppend === undefined) {
    process.emitWarning(`queue "${invoker.queue.name}" keeps no trace: TRACE is ignored`, 'HueyTraceWarning');
    return undefined;
  }
  const tracer = new Tracer(invoker.queue, invoker.events);
  tracers.set(invoker, tracer);
  return tracer;
}

/** The tracer of an invoker, when it traces. */
export function tracerOf(invoker: object): Tracer | undefined {
  return tracers.get(invoker);
}
