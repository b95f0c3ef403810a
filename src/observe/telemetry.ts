/**
 * OpenTelemetry, through `@opentelemetry/api` alone: a PRODUCER span
 * around each enqueue and a CONSUMER span around each run, in one trace.
 * The producer's span context travels in the message as W3C trace context
 * (`traceContext: { traceparent, tracestate? }`), written and read here
 * rather than by the global propagator, so it travels whether or not the
 * application registered one. Without an SDK the API hands out spans that
 * record nothing, and no field is written: tracing costs nothing to those
 * who do not trace.
 *
 * Attributes follow the messaging semantic conventions:
 * `messaging.system` (`huey`), `messaging.destination.name` (the queue),
 * `messaging.operation.type` (`send`, `process`), `messaging.message.id`
 * (the task id), plus `huey.command`, `huey.attempt` and `huey.deliveries`.
 *
 * @module
 */
import type { TraceContext } from '../core/message.js';
import { context, createTraceState, isSpanContextValid, SpanKind, SpanStatusCode, trace, type Context, type Span, type SpanContext } from '@opentelemetry/api';

export type { TraceContext } from '../core/message.js';

/** The name the tracer is asked by. */
const TRACER = 'huey';
const tracer = () => trace.getTracer(TRACER);
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The W3C trace context of a span, or `undefined` for one that records nothing (no SDK). */
export function traceContextOf(span: Span): TraceContext | undefined {
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return undefined;
  const traceparent = `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
  const tracestate = sc.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** The span context a message's trace context names, or `undefined` when it names none (or is not one). */
export function spanContextOf(carried: TraceContext | undefined): SpanContext | undefined {
  const match = carried === undefined ? null : TRACEPARENT.exec(carried.traceparent);
  if (match === null) return undefined;
  const sc: SpanContext = { traceId: match[1]!, spanId: match[2]!, traceFlags: parseInt(match[3]!, 16), isRemote: true };
  if (carried!.tracestate) sc.traceState = createTraceState(carried!.tracestate);
  return isSpanContextValid(sc) ? sc : undefined;
}

/**
 * The context a span starts under. A send: the active one when it holds a
 * span (the caller's request), else the one the call carried (a retry). A
 * run: the one the message carried, else the active one.
 */
function parentOf(carried: TraceContext | undefined, preferCarried: boolean): Context {
  const active = context.active();
  if (!preferCarried && trace.getSpanContext(active) !== undefined) return active;
  const remote = spanContextOf(carried);
  return remote === undefined ? active : trace.setSpanContext(active, remote);
}

/** What an enqueue tells the producer span. */
export interface Sending {
  queue: string;
  taskId: string;
  command: string;
  /** The trace context the call already carries (a retry's): its trace goes on when nothing is active. */
  carried?: TraceContext | undefined;
}

/**
 * Starts the PRODUCER span of one enqueue.
 *
 * @returns The span, and the trace context to write in the message (`undefined` without an SDK).
 */
export function startSendSpan(sending: Sending): { span: Span; traceContext: TraceContext | undefined } {
  const span = tracer().startSpan(
    `send ${sending.queue}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'huey',
        'messaging.destination.name': sending.queue,
        'messaging.operation.type': 'send',
        'messaging.message.id': sending.taskId,
        'huey.command': sending.command,
      },
    },
    parentOf(sending.carried, false),
  );
  return { span, traceContext: traceContextOf(span) ?? sending.carried };
}

/** Ends a span, marking it failed with `error` when given. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

/** What a run tells the consumer span. */
export interface Processing {
  queue: string;
  taskId: string;
  command: string;
  attempt: number;
  deliveries: number;
  carried: TraceContext | undefined;
}

/**
 * Runs `run` inside the CONSUMER span of one call, a child of the span the
 * message carried; the span is the active one while `run` runs, so spans
 * the call makes in the consumer's event loop are its children.
 *
 * @returns What `run` returns; it rejects with what `run` rejects with, the span marked failed.
 */
export function inProcessSpan<T>(processing: Processing, run: () => Promise<T>): Promise<T> {
  const span = tracer().startSpan(
    `process ${processing.queue}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'huey',
        'messaging.destination.name': processing.queue,
        'messaging.operation.type': 'process',
        'messaging.message.id': processing.taskId,
        'huey.command': processing.command,
        'huey.attempt': processing.attempt,
        'huey.deliveries': processing.deliveries,
      },
    },
    parentOf(processing.carried, true),
  );
  return context.with(trace.setSpan(context.active(), span), run).then(
    (value) => {
      endSpan(span);
      return value;
    },
    (error: unknown) => {
      endSpan(span, error);
      throw error;
    },
  );
}
