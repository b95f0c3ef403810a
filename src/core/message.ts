/**
 * The wire format: one JSON object a message, readable with `cat` or
 * `redis-cli`; the values inside travel as `value.ts` says.
 *
 * @internal
 * @module
 */
import { randomUUID } from 'node:crypto';
import { QueueReadException, QueueWriteException } from '../exceptions.js';
import { decodeValue, encodeValue, isJsonScalar, isoString, isPlainObject, parseDate, shallowEnough } from './value.js';

export { decodeValue, encodeValue } from './value.js';

/** The version of the envelope; a reader rejects any other. */
export const WIRE_VERSION = 1;

/** One queued call, decoded. */
export interface Message {
  /** Unique id of the call; also the key of its result. */
  id: string;
  /** The command's registered name, e.g. `commands.countBeans`. */
  command: string;
  /** The call's arguments. */
  args: unknown[];
  /** When the call should run; `null` for as soon as possible. */
  eta: Date | null;
  /** How many more times a failing call is tried again. */
  retries: number;
  /** Seconds to wait before a retry. */
  retryDelay: number;
  /** When the call was first enqueued. */
  enqueuedAt: Date;
  /** Higher runs first; absent (old messages) is `0`. Written only when not `0`. */
  priority?: number;
  /** After this instant the call is not run; absent or `null` for never. */
  expires?: Date | null;
  /**
   * The pipeline's next steps, in order: the first receives this call's
   * result as its first argument. Empty for a pipeline's last step; absent
   * outside a pipeline.
   */
  then?: PipelineStep[];
  /** The step run when this call (or a later step) fails for good; it receives the error as its first argument. */
  onError?: PipelineStep;
  /**
   * The W3C trace context of the span that enqueued the call
   * (`{ traceparent, tracestate? }`), so that its run continues the
   * caller's trace. Absent without tracing, and in older messages.
   */
  traceContext?: TraceContext;
}

/** The W3C trace context a message carries: what a `traceparent` header (and `tracestate`) would say. */
export interface TraceContext {
  /** `00-<trace id>-<span id>-<flags>`. */
  traceparent: string;
  /** The vendors' state, when there is any. */
  tracestate?: string;
}

/** One step of a pipeline still to run, as carried by the message of the step before it. */
export interface PipelineStep {
  /** The step's id, known from the start so that the producer's handle can wait for it. */
  id: string;
  /** The command's registered name. */
  command: string;
  /** The arguments given to `.then()`; the previous result goes before them. */
  args: unknown[];
}

/** The outcome of a call as kept in the result store. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: { name: string; message: string; stack?: string } };

/** A fresh message id. */
export function newId(): string {
  return randomUUID();
}

/**
 * Encodes a message as one line of JSON.
 *
 * @throws QueueWriteException naming the argument that cannot be sent.
 */
export function encodeMessage(message: Message): string {
  const badId = idProblem(message.id);
  if (badId !== undefined) throw new QueueWriteException(`Cannot send ${message.command}: its id ${badId}, got ${JSON.stringify(message.id)}`);
  const args = encodeArgs(message.args, message.command);
  const envelope: Record<string, unknown> = { v: WIRE_VERSION, id: message.id, command: message.command };
  // before `args`, so that a backend finds it in the envelope's head (see messagePriority)
  if (message.priority !== undefined && message.priority !== 0) envelope.priority = message.priority;
  envelope.args = args;
  envelope.eta = message.eta === null ? null : isoString(message.eta);
  envelope.retries = message.retries;
  envelope.retryDelay = message.retryDelay;
  envelope.enqueuedAt = isoString(message.enqueuedAt);
  if (message.expires != null) envelope.expires = isoString(message.expires);
  if (message.then !== undefined) envelope.then = message.then.map(encodeStep);
  if (message.onError !== undefined) envelope.onError = encodeStep(message.onError);
  if (message.traceContext !== undefined) envelope.traceContext = message.traceContext;
  return shallowEnough(`the arguments of ${message.command}`, () => JSON.stringify(envelope));
}

function encodeArgs(args: unknown[], command: string): unknown[] {
  // scalars skip encodeValue, and the naming of each argument that only an error would show
  return args.map((arg, i) => (isJsonScalar(arg) ? arg : encodeValue(arg, `argument ${i} of ${command}`)));
}

function encodeStep(step: PipelineStep): unknown {
  return { id: step.id, command: step.command, args: encodeArgs(step.args, step.command) };
}

/** The text that starts the envelope's `priority` field; JSON escapes every `"` inside a string, so this is always a key. */
const PRIORITY_KEY = ',"priority":';
/** The text that starts the envelope's `args`: every key before it is the envelope's own, and so is the first match. */
const ARGS_KEY = ',"args":';

/**
 * A message's priority, read from the head of its text without decoding the
 * rest: what a backend calls on every write to order its messages. `0` for a
 * message without one (or one that is not a message).
 *
 * @param data - The encoded message.
 */
export function messagePriority(data: string): number {
  const field = priorityField(data);
  if (field === undefined) return 0;
  const value = Number(field);
  return Number.isFinite(value) ? value : 0;
}

/**
 * The envelope's priority as written in `data` (e.g. `5`, `-0.5`), for a
 * backend that names a list after it; `undefined` when there is none.
 *
 * @param data - The encoded message.
 */
export function priorityField(data: string): string | undefined {
  const args = data.indexOf(ARGS_KEY);
  if (args < 0) return undefined;
  const at = data.lastIndexOf(PRIORITY_KEY, args);
  return at < 0 ? undefined : data.slice(at + PRIORITY_KEY.length, args);
}

/**
 * Decodes and validates one message.
 *
 * @throws QueueReadException keeping the raw text when it is not a valid message.
 */
export function decodeMessage(raw: string): Message {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (error) {
    return malformed(raw, `not JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(data)) return malformed(raw, 'not a JSON object');
  if (data.v !== WIRE_VERSION) return malformed(raw, `unknown version ${JSON.stringify(data.v)}`);
  const { id, command, args, eta, retries, retryDelay, enqueuedAt, priority, expires, then, onError, traceContext } = data;
  const badId = idProblem(id);
  if (badId !== undefined) return malformed(raw, `"id" ${badId}`);
  if (typeof command !== 'string' || command === '') return malformed(raw, '"command" must be a non-empty string');
  if (CONTROL.test(command)) return malformed(raw, '"command" must not hold control characters');
  if (!Array.isArray(args)) return malformed(raw, '"args" must be an array');
  if (!Number.isInteger(retries) || (retries as number) < 0) return malformed(raw, '"retries" must be a non-negative integer');
  if (typeof retryDelay !== 'number' || !(retryDelay >= 0)) return malformed(raw, '"retryDelay" must be a non-negative number');
  const etaDate = eta === null ? null : parseDate(eta);
  if (etaDate === undefined) return malformed(raw, '"eta" must be null or an ISO date');
  const enqueued = parseDate(enqueuedAt);
  if (enqueued === undefined || enqueued === null) return malformed(raw, '"enqueuedAt" must be an ISO date');
  if (priority !== undefined && (typeof priority !== 'number' || !Number.isFinite(priority))) return malformed(raw, '"priority" must be a finite number');
  const expiresAt = expires === undefined || expires === null ? null : parseDate(expires);
  if (expiresAt === undefined) return malformed(raw, '"expires" must be null or an ISO date');
  if (then !== undefined && !Array.isArray(then)) return malformed(raw, '"then" must be an array of steps');
  let decoded: Message;
  try {
    decoded = { id: id as string, command, args: args.map(decodeValue), eta: etaDate, retries: retries as number, retryDelay, enqueuedAt: enqueued };
    if (priority !== undefined && priority !== 0) decoded.priority = priority as number;
    if (expiresAt !== null) decoded.expires = expiresAt;
    if (then !== undefined) decoded.then = then.map((step, i) => decodeStep(step, `"then"[${i}]`));
    if (onError !== undefined) decoded.onError = decodeStep(onError, '"onError"');
    // a trace context that is not one is dropped, never a reason not to run the call
    if (isPlainObject(traceContext) && typeof traceContext.traceparent === 'string') {
      decoded.traceContext = { traceparent: traceContext.traceparent, ...(typeof traceContext.tracestate === 'string' ? { tracestate: traceContext.tracestate } : {}) };
    }
  } catch (error) {
    return malformed(raw, (error as Error).message);
  }
  return decoded;
}

function decodeStep(step: unknown, where: string): PipelineStep {
  if (!isPlainObject(step)) throw new Error(`${where} must be an object`);
  const { id, command, args } = step;
  const badId = idProblem(id);
  if (badId !== undefined) throw new Error(`${where}.id ${badId}`);
  if (typeof command !== 'string' || command === '' || CONTROL.test(command)) throw new Error(`${where}.command must be a non-empty string without control characters`);
  if (!Array.isArray(args)) throw new Error(`${where}.args must be an array`);
  return { id: id as string, command, args: args.map(decodeValue) };
}

/** Control characters: in a command name they would forge log lines or repaint a terminal. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The longest message id, in characters: every result store keeps a key this long. */
export const MAX_ID_LENGTH = 128;
const ID_CHARACTERS = /^[A-Za-z0-9_.:-]+$/;

/**
 * Why `id` cannot be a message id, or `undefined` when it can. An id is the
 * key of the call's result in every store, a file name on the file backend:
 * letters, digits, `_ . : -`, at most {@link MAX_ID_LENGTH} characters, not
 * only dots. Checked when a message is read, so a forged id is dead-lettered
 * before its call runs instead of failing when its result is stored.
 */
export function idProblem(id: unknown): string | undefined {
  if (typeof id !== 'string' || id === '') return 'must be a non-empty string';
  if (id.length > MAX_ID_LENGTH) return `must be at most ${MAX_ID_LENGTH} characters, got ${id.length}`;
  if (!ID_CHARACTERS.test(id)) return 'may hold only letters, digits and _ . : -';
  if (/^\.+$/.test(id)) return 'cannot be only dots';
  return undefined;
}

function malformed(raw: string, why: string): never {
  throw new QueueReadException(`Malformed message: ${why}`, { raw });
}

/** Encodes the outcome of a call for the result store. */
export function encodeOutcome(outcome: Outcome, what = 'the result'): string {
  if (!outcome.ok) return JSON.stringify({ v: WIRE_VERSION, ok: false, error: outcome.error });
  const value = encodeValue(outcome.value, what);
  return shallowEnough(what, () => JSON.stringify({ v: WIRE_VERSION, ok: true, value }));
}

/** Decodes an outcome read from the result store. */
export function decodeOutcome(raw: string): Outcome {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (error) {
    throw new QueueReadException(`Malformed result: not JSON (${(error as Error).message})`, { raw, cause: error });
  }
  if (!isPlainObject(data) || data.v !== WIRE_VERSION || typeof data.ok !== 'boolean') {
    throw new QueueReadException('Malformed result: not a result envelope', { raw });
  }
  if (data.ok) {
    try {
      return { ok: true, value: decodeValue(data.value) };
    } catch (error) {
      throw new QueueReadException(`Malformed result: ${(error as Error).message}`, { raw, cause: error });
    }
  }
  const error = data.error;
  if (!isPlainObject(error) || typeof error.message !== 'string') throw new QueueReadException('Malformed result: bad error', { raw });
  return {
    ok: false,
    error: {
      name: typeof error.name === 'string' ? error.name : 'Error',
      message: error.message,
      ...(typeof error.stack === 'string' ? { stack: error.stack } : {}),
    },
  };
}

/** The id and command a raw message names, as far as it can be read: dead letters are often unreadable. */
export function namesOf(data: string): { taskId: string | undefined; command: string | undefined } {
  try {
    const message = JSON.parse(data) as { id?: unknown; command?: unknown };
    return { taskId: typeof message.id === 'string' ? message.id : undefined, command: typeof message.command === 'string' ? message.command : undefined };
  } catch {
    // not JSON: a malformed message names nothing
    return { taskId: undefined, command: undefined };
  }
}
