/**
 * The token that guards the page's actions: random, new at each start,
 * printed once in the page's address. Anything that can change the queue
 * (requeue, purge, revoke) must carry it, so that another web page open in
 * the same browser cannot post to this server behind your back.
 *
 * @internal
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A new token: 24 random bytes as 32 URL-safe characters. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Whether a request carries the token, as `?token=` or the header `x-huey-token`. */
export function carriesToken(request: IncomingMessage, url: URL, token: string): boolean {
  const given = url.searchParams.get('token') ?? request.headers['x-huey-token'];
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  // compared in constant time, so the answer's timing does not tell how much of a guess was right
  return a.length === b.length && timingSafeEqual(a, b);
}
