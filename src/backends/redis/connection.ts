/**
 * How the Redis backend connects: the options every Redis backend accepts,
 * their defaults in one place, the key names, and the ioredis clients made
 * from them with the backend's scripts defined.
 *
 * @internal
 * @module
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import { ConfigurationError } from '../../exceptions.js';
import * as check from '../../core/validate.js';
import { rememberConnectionError } from './errors.js';
import { defineScripts, type ScriptCommands } from './lua.js';

/** A client of one Redis server (also through Sentinel) or of a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** A Redis master found through Sentinel: who to ask, and the master's name. */
export interface RedisSentinelOptions {
  /**
   * The Sentinels to ask where the master is, tried in turn until one
   * answers; give all of them, so that one being down does not matter.
   */
  sentinels: {
    /** A Sentinel's host name or address. */
    host: string;
    /** Its port (Sentinel's usual one is 26379). */
    port: number;
  }[];
  /** The master's name, as the Sentinels monitor it (`sentinel monitor <name> <host> <port> <quorum>`). */
  name: string;
  /** User name for the Sentinels' own ACL (the master's is the backend's `username`). */
  username?: string;
  /** Password of the Sentinels (the master's is the backend's `password`). */
  password?: string;
}

/** Where the Redis is and how to reach it: the options every Redis backend accepts. */
export interface RedisConnectionOptions {
  /** Host name or address. @defaultValue `'localhost'` (ioredis's) */
  host?: string;
  /** Port. @defaultValue `6379` */
  port?: number;
  /** Database number. @defaultValue `0` */
  db?: number;
  /** User name for Redis 6 ACLs. */
  username?: string;
  /** Password. */
  password?: string;
  /** A `redis://user:password@host:port/db` (or `rediss://` for TLS) URL, instead of `host` and `port`. */
  url?: string;
  /** TLS options (`true` for the defaults), as Node's `tls.connect` takes them. */
  tls?: TlsOptions | boolean;
  /**
   * Reach the master through Redis Sentinel, instead of `host` and `port`:
   * the backend asks the Sentinels where the master is, follows a failover
   * at once (it listens for the Sentinels' `+switch-master`), and reconnects
   * when a server answers that it has become a replica. `db`, `username`,
   * `password` and `tls` apply to the master.
   *
   * Redis replicates asynchronously: a master that goes on taking writes
   * after its replica was promoted loses them. Configure the servers with
   * `min-replicas-to-write 1`, so that such writes are refused (and the
   * calls that made them reject, for their caller to try again) instead.
   *
   * @example
   * ```ts
   * const queue = new RedisBlockingQueue('test-queue', {
   *   sentinel: { name: 'huey', sentinels: [{ host: 'sentinel-1', port: 26379 }, { host: 'sentinel-2', port: 26379 }] },
   * });
   * ```
   */
  sentinel?: RedisSentinelOptions;
  /**
   * An ioredis client to use instead of connecting: a `Redis` (also one
   * through Sentinel) or a `Cluster`. The backend duplicates it for its
   * blocking reads and pub/sub, and does not close it. Its own options then
   * decide how long calls wait while Redis is down.
   */
  client?: RedisClient;
  /** More ioredis options, applied over the backend's defaults. */
  redisOptions?: RedisOptions;
  /**
   * The start of every key name, so that tests or several applications can
   * share one Redis. Must not contain `{` or `}` (the hash tag follows it).
   * @defaultValue `'huey.redis.'` (huey's)
   */
  prefix?: string;
  /**
   * The longest wait for a reply, in seconds: while Redis is down, a call
   * rejects after at most this long instead of hanging.
   * @defaultValue `5`
   */
  commandTimeout?: number;
  /** Called with each connection error (they also reject the calls they affect). */
  onError?: (error: Error) => void;
}

/** The names of {@link RedisConnectionOptions}, for rejecting typos. */
export const CONNECTION_KEYS = ['host', 'port', 'db', 'username', 'password', 'url', 'tls', 'sentinel', 'client', 'redisOptions', 'prefix', 'commandTimeout', 'onError'] as const;

/** Every default of the Redis backend, in one place. */
export const DEFAULTS = {
  /** huey 0.2's key prefix. */
  prefix: 'huey.redis.',
  /** Seconds a call may wait for its reply, also while Redis is down and the client reconnects. */
  commandTimeout: 5,
  /**
   * Reconnection attempts before the calls waiting offline are rejected:
   * with the backoff below, a call made while Redis is down rejects after
   * about 0.1 + 0.2 + 0.4 = 0.7 s (commandTimeout bounds the rest).
   */
  maxRetriesPerRequest: 2,
  /** Milliseconds before reconnection attempt `times`: doubling from 100 ms, at most 2 s. */
  retryDelay: (times: number): number => Math.min(100 * 2 ** (times - 1), 2000),
  /** Seconds a consumer's heartbeat lives; it is refreshed every third of that, and each refresh also recovers dead consumers' messages, so a killed consumer's messages are back within 15 + 5 s. */
  heartbeat: 15,
  /** Messages one read claims at once; more than 1 fetches ahead, saving round trips when a backlog exists. */
  prefetch: 1,
  /** Seconds an unread result is kept: a week. */
  resultTtl: 7 * 24 * 3600,
  /** Milliseconds a dead consumer stays registered after it was found dead, so a claim it made in its last instant is found too. */
  deadConsumerGrace: 60_000,
} as const;

/** The name as huey 0.2 put it in keys: everything but a-z and 0-9 removed. */
export function keyName(name: unknown): string {
  if (typeof name !== 'string') check.expected('name', 'a string', name);
  const cleaned = name.replace(/[^a-z0-9]/g, '');
  if (cleaned === '') check.expected('name', 'a name with at least one character a-z or 0-9 (huey keeps only those in key names)', name);
  return cleaned;
}

/** The connection options, checked, with the prefix and timeout resolved. */
export interface ParsedConnection {
  options: RedisConnectionOptions;
  prefix: string;
  commandTimeoutMs: number;
}

/**
 * Checks the connection options at the public boundary.
 *
 * @param what - The class the options are for, as error messages name it.
 * @param options - The options as given.
 * @param extraKeys - The option names the class adds to the connection's.
 * @throws ConfigurationError for an unknown option or a value of the wrong kind.
 */
export function parseConnection(what: string, options: unknown, extraKeys: readonly string[]): ParsedConnection {
  if (options === null || typeof options !== 'object') check.expected('options', 'an object', options);
  const given = options as RedisConnectionOptions;
  check.knownKeys(what, given, [...CONNECTION_KEYS, ...extraKeys]);
  const optional = (name: keyof RedisConnectionOptions, type: string): void => {
    if (given[name] !== undefined && typeof given[name] !== type) check.expected(name, `a ${type}`, given[name]);
  };
  optional('host', 'string');
  optional('username', 'string');
  optional('password', 'string');
  optional('url', 'string');
  optional('prefix', 'string');
  optional('onError', 'function');
  if (given.port !== undefined) check.positiveInteger('port', given.port, 0);
  if (given.db !== undefined) check.nonNegativeInteger('db', given.db, 0);
  if (given.tls !== undefined && typeof given.tls !== 'boolean' && (given.tls === null || typeof given.tls !== 'object')) check.expected('tls', 'TLS options or a boolean', given.tls);
  if (given.redisOptions !== undefined && (given.redisOptions === null || typeof given.redisOptions !== 'object')) check.expected('redisOptions', 'an object of ioredis options', given.redisOptions);
  if (given.client !== undefined) {
    if (!(given.client instanceof Redis || given.client instanceof Cluster)) check.expected('client', 'an ioredis Redis or Cluster', given.client);
    const clashing = (['host', 'port', 'db', 'username', 'password', 'url', 'tls', 'sentinel', 'redisOptions'] as const).filter((key) => given[key] !== undefined);
    if (clashing.length > 0) throw new ConfigurationError(`Give either \`client\` or connection options, not both (got \`client\` and \`${clashing.join('`, `')}\`)`);
  }
  if (given.url !== undefined && (given.host !== undefined || given.port !== undefined)) {
    throw new ConfigurationError('Give either `url` or `host`/`port`, not both');
  }
  if (given.sentinel !== undefined) checkSentinel(given);
  const prefix = given.prefix ?? DEFAULTS.prefix;
  if (/[{}]/.test(prefix)) check.expected('prefix', 'a key prefix without `{` or `}`', prefix);
  const timeout = check.seconds('commandTimeout', given.commandTimeout, DEFAULTS.commandTimeout);
  if (timeout <= 0) check.expected('commandTimeout', 'a positive number of seconds', timeout);
  return { options: given, prefix, commandTimeoutMs: Math.round(timeout * 1000) };
}

function checkSentinel(given: RedisConnectionOptions): void {
  const sentinel = given.sentinel as unknown;
  if (sentinel === null || typeof sentinel !== 'object') check.expected('sentinel', 'an object `{ sentinels, name }`', sentinel);
  check.knownKeys('sentinel', sentinel, ['sentinels', 'name', 'username', 'password']);
  const { sentinels, name, username, password } = sentinel as Partial<RedisSentinelOptions>;
  if (!Array.isArray(sentinels) || sentinels.length === 0) check.expected('sentinel.sentinels', 'a non-empty array of `{ host, port }`', sentinels);
  sentinels.forEach((node: unknown, i) => {
    const { host, port } = (node ?? {}) as { host?: unknown; port?: unknown };
    if (typeof host !== 'string' || typeof port !== 'number' || !Number.isInteger(port) || port <= 0) check.expected(`sentinel.sentinels[${i}]`, '`{ host: string, port: number }`', node);
  });
  if (typeof name !== 'string' || name === '') check.expected('sentinel.name', "the master's name as the Sentinels know it", name);
  if (username !== undefined && typeof username !== 'string') check.expected('sentinel.username', 'a string', username);
  if (password !== undefined && typeof password !== 'string') check.expected('sentinel.password', 'a string', password);
  const clashing = (['host', 'port', 'url'] as const).filter((key) => given[key] !== undefined);
  if (clashing.length > 0) throw new ConfigurationError(`Give either \`sentinel\` or \`${clashing.join('`/`')}\`, not both`);
}

/** The ioredis options for a master found through Sentinel. */
function sentinelOptions(sentinel: RedisSentinelOptions): RedisOptions {
  return {
    sentinels: sentinel.sentinels.map(({ host, port }) => ({ host, port })),
    name: sentinel.name,
    ...(sentinel.username !== undefined ? { sentinelUsername: sentinel.username } : {}),
    ...(sentinel.password !== undefined ? { sentinelPassword: sentinel.password } : {}),
    // leave the old master as soon as a Sentinel announces the new one, instead of at the next error
    failoverDetector: true,
    // READONLY: the server has become a replica; NOREPLICAS: a master cut off from its replicas (the old one,
    // in a failover, until the Sentinels announce the new one). Ask the Sentinels again and resend the command.
    reconnectOnError: (error: Error) => (/^(READONLY|NOREPLICAS)/.test(error.message) ? 2 : false),
  };
}

/** The ioredis options the backend runs with: bounded waits while Redis is down, reconnection with backoff. */
function clientOptions(parsed: ParsedConnection): RedisOptions {
  const { options } = parsed;
  return {
    // connect at the first call: a producer that never writes opens nothing
    lazyConnect: true,
    commandTimeout: parsed.commandTimeoutMs,
    maxRetriesPerRequest: DEFAULTS.maxRetriesPerRequest,
    retryStrategy: DEFAULTS.retryDelay,
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.sentinel !== undefined ? sentinelOptions(options.sentinel) : {}),
    ...(options.db !== undefined ? { db: options.db } : {}),
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.tls === true ? { tls: {} } : options.tls ? { tls: options.tls } : {}),
    ...options.redisOptions,
  };
}

/** The client a backend issues its calls on, and whether the backend made it (and so closes it). */
export interface Connection {
  client: RedisClient;
  owned: boolean;
}

/** Opens (or adopts) the client for a backend's calls and defines the backend's scripts on it. */
export function connect(parsed: ParsedConnection): Connection {
  const { options } = parsed;
  let connection: Connection;
  if (options.client !== undefined) {
    connection = { client: options.client, owned: false };
  } else {
    const settings = clientOptions(parsed);
    connection = { client: options.url !== undefined ? new Redis(options.url, settings) : new Redis(settings), owned: true };
    listenForErrors(connection.client, options.onError);
  }
  // once a client: defining them again on a client shared by a queue and its stores makes ioredis send whole scripts (EVAL) again
  if (!('hueyClaim' in connection.client)) defineScripts(connection.client);
  return connection;
}

/**
 * A second connection for blocking reads or pub/sub, which occupy a
 * connection while they wait. It has no command timeout: a blocking read
 * waits as long as it was asked to.
 */
export function duplicate(client: RedisClient, onError: ((error: Error) => void) | undefined): RedisClient {
  const copy = client instanceof Cluster ? client.duplicate() : client.duplicate({ commandTimeout: undefined, lazyConnect: true });
  listenForErrors(copy, onError);
  return copy;
}

function listenForErrors(client: RedisClient, onError: ((error: Error) => void) | undefined): void {
  // Without a listener ioredis prints every failed reconnection attempt; the
  // failures reach the caller anyway, as rejected calls.
  client.on('error', (error: Error) => {
    rememberConnectionError(client, error);
    onError?.(error);
  });
}

/** Tells a Cluster client from a client of one server. */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/**
 * Tells whether two clients reach the same Redis database, so that a
 * script run on one may write keys the other reads. Decided from the
 * options as given, without a round trip: the same client, or the same
 * address (host and port, socket path, or Sentinel set and master name),
 * database and user; for a Cluster, the same startup nodes. Two spellings
 * of one server (`localhost`, `127.0.0.1`) count as two: the caller then
 * takes the slower, two-step path, never a wrong one.
 */
export function sameDatabase(a: RedisClient, b: RedisClient): boolean {
  if (a === b) return true;
  if (isCluster(a) || isCluster(b)) return isCluster(a) && isCluster(b) && startupNodes(a) === startupNodes(b);
  return address(a.options) === address(b.options);
}

function address(options: RedisOptions): string {
  const sentinels = options.sentinels ?? [];
  const server =
    sentinels.length > 0
      ? `sentinel:${options.name ?? ''}@${sentinels.map((node) => `${node.host ?? 'localhost'}:${node.port ?? 26379}`).sort().join(',')}`
      : (options.path ?? `${options.host ?? 'localhost'}:${options.port ?? 6379}`);
  return JSON.stringify([server, options.db ?? 0, options.username ?? '']);
}

/** A Cluster's startup nodes as one comparable string. */
function startupNodes(cluster: Cluster): string {
  // ioredis keeps the nodes as given in a field its types mark private; it is the only record of where the cluster is
  const nodes = (cluster as unknown as { startupNodes?: ClusterNode[] }).startupNodes ?? [];
  return nodes.map(nodeAddress).sort().join(',');
}

function nodeAddress(node: ClusterNode): string {
  if (typeof node === 'number') return `localhost:${node}`;
  if (typeof node === 'string') {
    if (/^\d+$/.test(node)) return `localhost:${node}`;
    try {
      const url = new URL(node.includes('//') ? node : `redis://${node}`);
      return `${url.hostname || 'localhost'}:${url.port || 6379}`;
    } catch {
      // not a URL ioredis would take either: compared as written
      return node;
    }
  }
  return `${node.host ?? 'localhost'}:${node.port ?? 6379}`;
}

/** The client with the backend's scripts, typed. */
export function withScripts(client: RedisClient): RedisClient & ScriptCommands {
  return client as RedisClient & ScriptCommands;
}

/** Closes a client the backend made: politely when Redis answers, at once when it does not. */
export async function closeClient(client: RedisClient): Promise<void> {
  try {
    if (client.status === 'ready') await client.quit();
  } catch (error) {
    // QUIT can fail only when the connection is already going; disconnect below ends it either way
    void error;
  } finally {
    client.disconnect();
  }
}
