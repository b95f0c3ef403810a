/**
 * How values travel inside messages and results: JSON, with what JSON
 * cannot carry (`Date`, `BigInt`, `Map`, `Set`, `undefined`, non-finite
 * numbers) as one-key tagged objects such as
 * `{"$date":"2011-01-01T00:00:00.000Z"}`; a plain object whose only key
 * starts with `$` is escaped as `{"$object":{...}}` so it is never
 * mistaken for a tag.
 *
 * @internal
 * @module
 */
import { QueueWriteException } from '../exceptions.js';

/**
 * Runs an encoding step, turning the stack overflow of a value nested
 * thousands deep into the error every unsendable value gets.
 */
export function shallowEnough<T>(what: string, encode: () => T): T {
  try {
    return encode();
  } catch (error) {
    if (error instanceof RangeError) throw new QueueWriteException(`Cannot send ${what}: nested too deeply (${error.message})`, { cause: error });
    throw error;
  }
}

/**
 * Turns a value into JSON-safe data, tagging what JSON cannot carry.
 *
 * @param what - Names the value in the error, e.g. `argument 0 of commands.countBeans`.
 * @throws QueueWriteException for functions, symbols, cycles and class instances.
 */
export function encodeValue(value: unknown, what: string): unknown {
  return isJsonScalar(value) ? value : shallowEnough(what, () => encodeWalk(value, 'the value', what, new Set()));
}

/**
 * Tells whether JSON carries `value` as it is. Checked before the walk of
 * {@link encodeValue}: nearly every argument and result is one, and the
 * walk allocates (a Set for cycles, a path for errors).
 */
export function isJsonScalar(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    default:
      return value === null;
  }
}

/** One step of {@link encodeValue}: `v` found at `path`; `seen` holds the objects being walked, to find cycles. */
function encodeWalk(v: unknown, path: string, what: string, seen: Set<object>): unknown {
  if (isJsonScalar(v)) return v;
  const reject = (why: string): never => {
    throw new QueueWriteException(`Cannot send ${what}: ${path} is ${why}`);
  };
  const walk = (item: unknown, itemPath: string): unknown => encodeWalk(item, itemPath, what, seen);
  switch (typeof v) {
    case 'number': // not finite, or -0
      return { $number: Object.is(v, -0) ? '-0' : String(v) };
    case 'bigint':
      return { $bigint: v.toString() };
    case 'undefined':
      return { $undefined: true };
    case 'function':
      return reject(`a function (${(v as { name?: string }).name || 'anonymous'})`);
    case 'symbol':
      return reject(`a symbol (${v.toString()})`);
  }
  const obj = v as object; // not null: null is a scalar
  if (seen.has(obj)) return reject('a reference back to itself (a cycle)');
  seen.add(obj);
  try {
    if (obj instanceof Date) {
      if (Number.isNaN(obj.getTime())) return reject('an invalid Date');
      return { $date: obj.toISOString() };
    }
    if (Array.isArray(obj)) return Array.from(obj, (item, i) => walk(item, `${path}[${i}]`)); // holes become undefined
    if (obj instanceof Map) return { $map: [...obj].map(([k, item], i) => [walk(k, `${path} key ${i}`), walk(item, `${path} value ${i}`)]) };
    if (obj instanceof Set) return { $set: [...obj].map((item, i) => walk(item, `${path} item ${i}`)) };
    if (!isPlainObject(obj)) {
      return reject(`an instance of ${obj.constructor?.name ?? 'a class'}, which would arrive as a plain object`);
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(obj)) defineKey(out, key, walk(item, `${path}.${key}`));
    const keys = Object.keys(out);
    return keys.length === 1 && keys[0]!.startsWith('$') ? { $object: out } : out;
  } finally {
    seen.delete(obj);
  }
}

/**
 * Reverses {@link encodeValue}.
 *
 * @throws Error describing the first tag whose body is not what {@link encodeValue} writes.
 */
export function decodeValue(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(decodeValue);
  if (!isPlainObject(data)) return data;
  const keys = Object.keys(data);
  if (keys.length === 1 && keys[0]!.startsWith('$')) {
    const tag = keys[0]!;
    const body = data[tag];
    const bad = (): never => {
      throw new Error(`bad value tag ${JSON.stringify({ [tag]: body })}`);
    };
    switch (tag) {
      case '$date': {
        const date = parseDate(body);
        return date ?? bad();
      }
      case '$bigint':
        return typeof body === 'string' && /^-?\d+$/.test(body) ? BigInt(body) : bad();
      case '$undefined':
        return body === true ? undefined : bad();
      case '$number':
        return typeof body === 'string' && ['NaN', 'Infinity', '-Infinity', '-0'].includes(body) ? Number(body) : bad();
      case '$map':
        if (!Array.isArray(body) || !body.every((entry) => Array.isArray(entry) && entry.length === 2)) return bad();
        return new Map((body as unknown[][]).map(([k, v]) => [decodeValue(k), decodeValue(v)]));
      case '$set':
        return Array.isArray(body) ? new Set(body.map(decodeValue)) : bad();
      case '$object':
        return isPlainObject(body) ? decodeObject(body) : bad();
      default:
        throw new Error(`unknown value tag ${JSON.stringify(tag)}`);
    }
  }
  return decodeObject(data);
}

function decodeObject(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(data)) defineKey(out, key, decodeValue(item));
  return out;
}

/** Sets `out[key]` with defineProperty, not assignment: a "__proto__" key stays a key instead of replacing the prototype. */
function defineKey(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/*
 * A busy producer enqueues hundreds of calls in one millisecond, and a
 * consumer reads them back: formatting and parsing the same instant again
 * costs about 1 µs and 0.3 µs a call, so the last one of each is kept.
 */
let lastFormattedMs = NaN;
let lastFormatted = '';
let lastParsedText = '';
let lastParsedMs = NaN;

/** `date.toISOString()`, remembering the last instant formatted. Throws RangeError for an invalid date, as toISOString does. */
export function isoString(date: Date): string {
  const ms = date.getTime();
  if (ms !== lastFormattedMs) {
    lastFormatted = date.toISOString();
    lastFormattedMs = ms;
  }
  return lastFormatted;
}

/** A fresh Date from an ISO string, remembering the last text parsed; `undefined` when it is not a date. */
export function parseDate(value: unknown): Date | null | undefined {
  if (typeof value !== 'string') return undefined;
  if (value !== lastParsedText) {
    lastParsedMs = Date.parse(value);
    lastParsedText = value;
  }
  return Number.isNaN(lastParsedMs) ? undefined : new Date(lastParsedMs);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
