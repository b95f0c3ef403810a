/**
 * Redis failures as one line that names the server and the cause, like the
 * file backend's errors name the directory: `Could not write to queue
 * "tasks": Redis at 127.0.0.1:6390 refused the connection (ECONNREFUSED)`.
 * ioredis reports a refused connection as `MaxRetriesPerRequestError` and a
 * silent server as `Command timed out`; the connection's last error tells
 * which.
 *
 * @internal
 * @module
 */
import { QueueException } from '../../exceptions.js';
import { Cluster, type Redis } from 'ioredis';

/** A client of one server or of a Cluster (as `RedisClient` in connection.ts, which imports this module). */
type RedisClient = Redis | Cluster;

/** The last connection error of each client: the cause behind a call that gave up. */
const lastErrors = new WeakMap<RedisClient, Error>();

/** Remembers a client's connection error, to name the cause of the calls it fails. */
export function rememberConnectionError(client: RedisClient, error: Error): void {
  lastErrors.set(client, error);
}

/** Where `client` connects: `host:port`, a socket, the Sentinel master or the Cluster. */
export function addressOf(client: RedisClient): string {
  if (client instanceof Cluster) return 'the Redis Cluster';
  const options = client.options;
  if (options.sentinels !== undefined && options.sentinels !== null && options.sentinels.length > 0) return `the Redis master "${options.name ?? ''}" (through Sentinel)`;
  return `Redis at ${options.path ?? `${options.host ?? 'localhost'}:${options.port ?? 6379}`}`;
}

/** Why a call to `client` failed, in words: refused, timed out, refused the credentials... */
export function causeOf(client: RedisClient, error: Error): string {
  const last = lastErrors.get(client);
  const text = `${error.message} ${last?.message ?? ''}`;
  const code = (last as NodeJS.ErrnoException | undefined)?.code ?? (error as NodeJS.ErrnoException).code;
  if (/NOAUTH|WRONGPASS|invalid password|AUTH/i.test(text)) return `refused the credentials (${firstLine(text)})`;
  if (code === 'ECONNREFUSED') return 'refused the connection (ECONNREFUSED): is redis-server running there?';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot be found (${code}): check the host name`;
  if (/timed out/i.test(error.message)) return 'did not answer in time (the command timed out): is it a Redis server, and is it overloaded?';
  return firstLine(last !== undefined && error.name === 'MaxRetriesPerRequestError' ? last.message : error.message);
}

/**
 * Runs `work`, turning a Redis failure into `Wrapper` with `what`, the server's
 * address and the cause; huey's own errors pass through unchanged.
 */
export async function redisCall<T>(client: RedisClient, Wrapper: new (message: string, options: { cause: unknown }) => QueueException, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof QueueException || !(error instanceof Error)) throw error;
    throw new Wrapper(`${what}: ${addressOf(client)} ${causeOf(client, error)}`, { cause: error });
  }
}

const firstLine = (text: string): string => text.trim().split('\n')[0]!;
