/**
 * The token that guards the live view: random, new at each start, printed
 * once in the page's address. Every read of the queue (`/api/…`,
 * `/metrics`) and every action must carry it, so that another web page
 * open in the same browser, or another user of the machine, can neither
 * read the queue nor post to it behind your back.
 *
 * It is accepted as `?token=`, the header `x-huey-token`, `Authorization:
 * Bearer <token>` (Prometheus's way), or the cookie the first visit with
 * `?token=` sets (so the page's own requests carry it without showing it).
 *
 * @internal
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The cookie's name. */
export const TOKEN_COOKIE = 'huey_token';

/** A new token: 24 random bytes as 32 URL-safe characters. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The token a request carries, in any of the four places; `undefined` when none. */
export function givenToken(request: IncomingMessage, url: URL): string | undefined {
  const query = url.searchParams.get('token');
  if (query !== null) return query;
  const header = request.headers['x-huey-token'];
  if (typeof header === 'string') return header;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (bearer !== null) return bearer[1];
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** Whether a request carries the token. */
export function carriesToken(request: IncomingMessage, url: URL, token: string): boolean {
  const given = givenToken(request, url);
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  // compared in constant time, so the answer's timing does not tell how much of a guess was right
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The `Set-Cookie` value that keeps the token for the pages under `path`: not readable by scripts, not sent by other sites. */
export function tokenCookie(token: string, path: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=${path}; HttpOnly; SameSite=Strict`;
}
