/**
 * A value's time to live on disk. A value file's first line names the
 * message whose result it is (empty after a plain `put`); a key given a
 * time to live has `expires:<ms since the epoch>` there instead, which no
 * message line can be (messages start with `{`).
 *
 * @internal
 * @module
 */
import { valueTail } from './format.js';

const EXPIRES = 'expires:';

/** A value file's content: the value, after its first line. */
export const expiringTail = (value: string, ttlMs?: number): string => (ttlMs === undefined ? valueTail(value) : `${EXPIRES}${Date.now() + ttlMs}\n${value}`);

/** `true` when a value file's time to live has passed at `now`. */
export function expired(text: string, now = Date.now()): boolean {
  if (!text.startsWith(EXPIRES)) return false;
  const end = text.indexOf('\n');
  return Number(text.slice(EXPIRES.length, end < 0 ? undefined : end)) <= now;
}
