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
import { EmptyData, type BaseDataStore, type BaseQueue } from '../backends/base.js';
import { canInspect, type Inspection } from '../backends/inspection.js';
import { deadLettersOf } from '../controls/dead-letters.js';
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
  readonly #queue: BaseQueue & Inspection;
  readonly #events: TypedEmitter<HueyEvents>;
  readonly #listeners = new Map<HueyEventName, (payload: HueyEvents[HueyEventName]) => void>();
  #pending: Promise<void> = Promise.resolve();
  #warned = false;

  /**
   * @param queue - The queue whose backend keeps the trace; it must have `traceAppend`.
   * @param events - The events to trace.
   */
  constructor(queue: BaseQueue & Inspection, events: TypedEmitter<HueyEvents>) {
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
    this.#pending = this.#pending.then(() => this.#queue.traceAppend(line)).catch((error: unknown) => {
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
  if (!canInspect(invoker.queue)) {
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

/** Where a task is now, as {@link locateTask} found it. */
export type TaskWhereabouts =
  | { state: 'waiting'; position: number }
  | { state: 'scheduled'; eta: Date; waiting?: string }
  | { state: 'taken'; consumer: string; since: Date | null; alive: boolean; lastBeat: Date | null }
  | { state: 'dead'; reason: string; at: Date }
  | { state: 'result'; ok: boolean }
  | { state: 'finished'; at: Date | null; readAt: Date | null }
  | { state: 'failed'; at: Date | null; error: string }
  | { state: 'skipped'; event: 'revoked' | 'expired'; reason: string; at: Date }
  | { state: 'gone'; lastEvent: string; at: Date }
  | { state: 'unknown' };

/** The id of a raw message, when it is readable enough to have one. */
export function messageId(data: string): string | undefined {
  try {
    const id = (JSON.parse(data) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    // a malformed message has no id
    return undefined;
  }
}

/**
 * Finds where a task is now: waiting (at which position), scheduled, taken
 * by a consumer (alive or not), dead-lettered, skipped (revoked or
 * expired, from its trace), its result waiting, or, from its trace,
 * finished or failed. Each look uses an optional member of the
 * backend contract and is skipped when the backend lacks it.
 *
 * @param queue - The task's queue.
 * @param store - The result store, if any.
 * @param taskId - The task.
 * @param lines - The task's trace, decoded, oldest first.
 */
export async function locateTask(queue: BaseQueue, store: BaseDataStore | undefined, taskId: string, lines: TraceLine[]): Promise<TaskWhereabouts> {
  const mine = (data: string): boolean => messageId(data) === taskId;
  const looks = canInspect(queue) ? queue : undefined;
  const claim = (await looks?.claims())?.find((c) => mine(c.data));
  if (claim !== undefined) {
    const consumer = (await looks?.consumers())?.find((c) => c.id === claim.consumer);
    return { state: 'taken', consumer: claim.consumer, since: claim.since, alive: consumer?.alive ?? false, lastBeat: consumer?.lastBeat ?? null };
  }
  const waiting = await looks?.waiting(Infinity);
  const position = waiting?.findIndex(mine) ?? -1;
  if (position >= 0) return { state: 'waiting', position: position + 1 };
  const scheduled = (await looks?.scheduled(Infinity))?.find((s) => mine(s.data));
  if (scheduled !== undefined) {
    // back in the schedule because a limit of its command was full: the trace says which
    const last = lines.filter((line) => line.event === 'waiting' || line.event === 'started').pop();
    return { state: 'scheduled', eta: scheduled.eta, ...(last?.event === 'waiting' ? { waiting: String(last.payload.reason) } : {}) };
  }
  const dead = (await deadLettersOf(queue)?.deadLetters())?.filter((d) => mine(d.data)).pop();
  if (dead !== undefined) return { state: 'dead', reason: dead.reason, at: dead.at };
  const skipped = lines.filter((line) => line.event === 'revoked' || line.event === 'expired').pop();
  if (skipped !== undefined) return { state: 'skipped', event: skipped.event as 'revoked' | 'expired', reason: String(skipped.payload.reason), at: new Date(skipped.time) };
  const result = store === undefined ? EmptyData : await store.peek(taskId);
  if (result !== EmptyData) return { state: 'result', ok: !result.includes('"ok":false') };
  const last = (name: HueyEventName): TraceLine | undefined => lines.filter((line) => line.event === name).pop();
  const at = (line: TraceLine | undefined): Date | null => (line === undefined ? null : new Date(line.time));
  const read = last('resultRead');
  const finished = last('finished');
  const failed = last('failed');
  if (read !== undefined) {
    if (read.payload.ok === false) return { state: 'failed', at: at(failed), error: String(failed?.payload.error ?? 'the error was read') };
    return { state: 'finished', at: at(finished), readAt: at(read) };
  }
  if (finished !== undefined) return { state: 'finished', at: at(finished), readAt: null };
  if (failed !== undefined && failed.payload.retries === 0) return { state: 'failed', at: at(failed), error: String(failed.payload.error) };
  const final = lines[lines.length - 1];
  if (final !== undefined) return { state: 'gone', lastEvent: final.event, at: new Date(final.time) };
  return { state: 'unknown' };
}
