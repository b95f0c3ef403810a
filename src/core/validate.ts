/**
 * Checks at the public boundary, all with one message shape:
 * ``Expected `retries` to be a non-negative integer, got "x" (string)``.
 *
 * @internal
 * @module
 */
import { ConfigurationError } from '../exceptions.js';

/** Describes a value the way the error messages show it: `"x" (string)`, `-1 (number)`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (value instanceof Date) return `${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()} (Date)`;
  const shown =
    typeof value === 'string'
      ? JSON.stringify(value)
      : typeof value === 'object'
        ? Object.prototype.toString.call(value)
        : typeof value === 'function'
          ? `[Function: ${value.name || 'anonymous'}]` // not its source, which String() would print whole
          : String(value);
  return `${shown} (${typeof value})`;
}

/** Throws {@link ConfigurationError} in the shared message shape. */
export function expected(name: string, what: string, value: unknown): never {
  throw new ConfigurationError(`Expected \`${name}\` to be ${what}, got ${describe(value)}`);
}

/** A non-negative integer, or the default when `undefined`. */
export function nonNegativeInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) expected(name, 'a non-negative integer', value);
  return value;
}

/** A positive integer, or the default when `undefined`. */
export function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) expected(name, 'a positive integer', value);
  return value;
}

/** A finite number of seconds, zero or more, or the default when `undefined`. */
export function seconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) expected(name, 'a non-negative number of seconds', value);
  return value;
}

/** A valid `Date`. */
export function date(name: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) expected(name, 'a valid Date', value);
  return value;
}

/** Only the keys listed; anything else is a typo worth reporting. */
export function knownKeys(what: string, value: object, keys: readonly string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) expected(`${what} options`, 'an object', value);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new ConfigurationError(`Unknown ${what} option \`${key}\`; expected one of ${keys.map((k) => `\`${k}\``).join(', ')}`);
  }
}

/** A call's priority: a finite number, or the default when `undefined`. */
export function priority(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) expected(name, 'a finite number (higher runs first)', value);
  return value;
}

/** An expiry: a non-negative finite number of seconds, or a valid `Date`; `undefined` when not given. */
export function expires(name: string, value: unknown): number | Date | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) return date(name, value);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) expected(name, 'a non-negative number of seconds or a valid Date', value);
  return value;
}

/** A rate limit `{ calls, per }`: `calls` a positive integer, `per` positive seconds; `undefined` when not given. */
export function rateLimit(name: string, value: unknown): { calls: number; per: number } | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) expected(name, 'an object { calls, per } (at most `calls` starts in any `per` seconds)', value);
  knownKeys(name, value, ['calls', 'per']);
  const { calls, per } = value as { calls?: unknown; per?: unknown };
  if (typeof calls !== 'number' || !Number.isInteger(calls) || calls < 1) expected(`${name}.calls`, 'a positive integer', calls);
  if (typeof per !== 'number' || !Number.isFinite(per) || per <= 0) expected(`${name}.per`, 'a positive number of seconds', per);
  return { calls, per };
}

/** A non-empty string, such as a task id or a lock name; `what` describes it in the error. */
export function nonEmptyString(name: string, value: unknown, what = 'a non-empty string'): string {
  if (typeof value !== 'string' || value === '') expected(name, what, value);
  return value;
}

/** A lock's name: a non-empty string. */
export const lockName = (name: string, value: unknown): string => nonEmptyString(name, value, 'a non-empty string (a lock name)');
