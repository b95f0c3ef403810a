/**
 * `crontab()`: which minutes a periodic command runs in. huey's syntax and
 * huey's semantics: every given field must match (cron itself ORs day and
 * day of week; huey ANDs them), Sunday is 0.
 *
 * @internal
 * @module
 */
import { ConfigurationError } from '../exceptions.js';
import type { DateValidator } from './registry.js';

/** The fields of {@link crontab}; each defaults to `'*'`. */
export interface CrontabFields {
  /** Months, 1-12. */
  month?: string | number;
  /** Days of the month, 1-31. */
  day?: string | number;
  /** Days of the week, 0-6, Sunday is 0. */
  dayOfWeek?: string | number;
  /** Hours, 0-23. */
  hour?: string | number;
  /** Minutes, 0-59. */
  minute?: string | number;
}

const RANGES: Record<keyof CrontabFields, [number, number]> = {
  month: [1, 12],
  day: [1, 31],
  dayOfWeek: [0, 6],
  hour: [0, 23],
  minute: [0, 59],
};

/**
 * Builds a validator that accepts the minutes matching every given field.
 *
 * Each field takes `*`, `*\/n` (every n-th value of the range, from its
 * start), `m-n`, numbers, and comma-separated lists of those.
 *
 * @param fields - Which months, days, days of the week, hours and minutes.
 * @returns `(date, { utc }) => boolean`, reading UTC fields unless `utc: false`.
 * @throws ConfigurationError naming the field and value for an unknown field, a value out of range, `*\/0` or anything else it cannot read.
 * @example
 * ```ts
 * crontab({ minute: '0', hour: '*\/3' })   // every third hour, on the hour
 * crontab({ dayOfWeek: '1-5', hour: 9, minute: 30 })   // weekdays at 9:30
 * ```
 */
export function crontab(fields: CrontabFields = {}): DateValidator {
  if (typeof fields !== 'object' || fields === null) throw new ConfigurationError(`Expected crontab fields to be an object, got ${String(fields)}`);
  for (const key of Object.keys(fields)) {
    if (!(key in RANGES)) throw new ConfigurationError(`Unknown crontab field \`${key}\`; expected month, day, dayOfWeek, hour or minute`);
  }
  const allowed = Object.fromEntries(
    (Object.keys(RANGES) as (keyof CrontabFields)[]).map((field) => [field, parseField(field, fields[field] ?? '*')]),
  ) as Record<keyof CrontabFields, Set<number>>;
  return (date: Date, options: { utc?: boolean } = {}): boolean => {
    const utc = options.utc ?? true;
    const values: Record<keyof CrontabFields, number> = utc
      ? { month: date.getUTCMonth() + 1, day: date.getUTCDate(), dayOfWeek: date.getUTCDay(), hour: date.getUTCHours(), minute: date.getUTCMinutes() }
      : { month: date.getMonth() + 1, day: date.getDate(), dayOfWeek: date.getDay(), hour: date.getHours(), minute: date.getMinutes() };
    return (Object.keys(values) as (keyof CrontabFields)[]).every((field) => allowed[field].has(values[field]));
  };
}

function parseField(field: keyof CrontabFields, value: string | number): Set<number> {
  const [low, high] = RANGES[field];
  const bad = (why: string): never => {
    throw new ConfigurationError(`Invalid crontab ${field} ${JSON.stringify(value)}: ${why} (allowed ${low}-${high})`);
  };
  if (typeof value !== 'string' && typeof value !== 'number') return bad('expected a string or a number');
  const text = String(value).trim();
  const number = (piece: string): number => {
    if (!/^\d+$/.test(piece)) return bad(`"${piece}" is not a number`);
    const n = Number(piece);
    if (n < low || n > high) return bad(`${n} is out of range`);
    return n;
  };
  const result = new Set<number>();
  for (const piece of text.split(',')) {
    const every = /^\*\/(\d+)$/.exec(piece);
    const dash = /^(\d+)-(\d+)$/.exec(piece);
    if (piece === '*') {
      for (let n = low; n <= high; n++) result.add(n);
    } else if (every) {
      const step = Number(every[1]);
      if (step === 0) return bad('"*/0" would never match');
      for (let n = low; n <= high; n += step) result.add(n);
    } else if (dash) {
      const [from, to] = [number(dash[1]!), number(dash[2]!)];
      if (from > to) return bad(`"${piece}" runs backwards`);
      for (let n = from; n <= to; n++) result.add(n);
    } else {
      result.add(number(piece));
    }
  }
  return result;
}
