/**
 * Consumer ids of the Redis backend, `<host>:<pid>:<random>`, and what one
 * tells about its consumer: where it runs, and, on this host, whether its
 * process is gone.
 *
 * @internal
 * @module
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** The host part of consumer ids, and what tells a dead local process from a live one. */
const HOST = hostname();

/** A new consumer id for a queue object of this process. */
export function newConsumerId(): string {
  return `${HOST}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** The host and process id a consumer id names (the host may contain `:`). */
export function parseConsumerId(id: string): { host: string | undefined; pid: number | undefined } {
  const parts = id.split(':');
  const pid = Number(parts[parts.length - 2]);
  return { host: parts.slice(0, -2).join(':') || undefined, pid: Number.isInteger(pid) ? pid : undefined };
}

/** Tells whether a process of this host is gone, from a consumer id `<host>:<pid>:<random>`. */
export function isGoneLocally(id: string): boolean {
  const { host, pid } = parseConsumerId(id);
  if (host !== HOST || pid === undefined || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; only ESRCH says it is gone
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
