/**
 * The Redis result store: one key a result, read and deleted in one step,
 * and a pub/sub channel that wakes the producers waiting for one.
 *
 * @internal
 * @module
 */
import { BaseDataStore, EmptyData } from '../base.js';
import { DataStoreGetException, DataStorePutException } from '../../exceptions.js';
import { redisCall } from './errors.js';
import * as check from '../../core/validate.js';
import {
  DEFAULTS,
  closeClient,
  connect,
  duplicate,
  isCluster,
  keyName,
  parseConnection,
  withScripts,
  type RedisClient,
  type RedisConnectionOptions,
} from './connection.js';
import type { ScriptCommands } from './lua.js';

/** Options of {@link RedisDataStore}: the connection's, and how long results are kept. */
export interface RedisDataStoreOptions extends RedisConnectionOptions {
  /**
   * Seconds an unread result is kept before Redis drops it; `0` keeps it until read.
   * @defaultValue `604800` (a week)
   */
  resultTtl?: number;
}

/** How a result is stored: its key, then the script's ARGV (value, ttl ms, channel, key as announced on it). */
export interface ResultWrite {
  key: string;
  argv: [value: string, ttlMs: number, channel: string, announced: string];
}

/** What a queue's `finish` needs of a store to write its result in the queue's own script. */
export interface ResultTarget {
  client: RedisClient;
  tag: string;
  write(key: string, value: string): ResultWrite;
}

/**
 * A result store in Redis: each result is its own key, read and deleted in
 * one step (`GETDEL`), and dropped by Redis after `resultTtl` if nobody
 * reads it. A blocking `AsyncData.get` is woken by a pub/sub message the
 * moment the result is stored.
 *
 * @example
 * ```ts
 * const store = new RedisDataStore('test-queue', { host: 'localhost', port: 6379, resultTtl: 3600 });
 * ```
 */
export class RedisDataStore extends BaseDataStore {
  /** The start of this store's keys, e.g. `huey.redis.results.{testqueue}`; a result is at `<key>.<task id>`. */
  readonly key: string;

  readonly #client: RedisClient & ScriptCommands;
  /** The name as it appears in the hash tag. */
  readonly #tag: string;
  readonly #owned: boolean;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #ttlMs: number;
  #subscriber: RedisClient | undefined;
  #subscribed: Promise<unknown> | undefined;
  readonly #waiters = new Map<string, Set<(found: boolean) => void>>();
  #closed = false;

  /**
   * @param name - The store's name; results of `test-queue` live under `huey.redis.results.{testqueue}.`.
   * @param options - Where Redis is (as for {@link RedisQueue}), the key prefix, and how long unread results live.
   * @throws ConfigurationError when an option is unknown or of the wrong kind.
   * @example
   * ```ts
   * const store = new RedisDataStore('test-queue', { host: 'localhost', port: 6379 });
   * ```
   */
  constructor(name: string, options: RedisDataStoreOptions = {}) {
    const tag = keyName(name);
    const parsed = parseConnection(new.target.name, options, ['resultTtl']);
    super(name, options);
    this.#ttlMs = Math.round(check.seconds('resultTtl', options.resultTtl, DEFAULTS.resultTtl) * 1000);
    this.key = `${parsed.prefix}results.{${tag}}`;
    this.#tag = tag;
    const { client, owned } = connect(parsed);
    this.#client = withScripts(client);
    this.#owned = owned;
    this.#onError = options.onError;
  }

  /**
   * Stores `value` under `key` with the store's time to live (or `ttlMs`), and wakes whoever waits for it.
   *
   * @throws DataStorePutException naming the server and the cause when Redis cannot be reached within `commandTimeout`.
   */
  async put(key: string, value: string, ttlMs?: number): Promise<void> {
    const { key: resultKey, argv } = this.#write(key, value, ttlMs);
    await redisCall(this.#client, DataStorePutException, `Could not store key "${key}"`, () => this.#client.hueyPutResult(resultKey, ...argv));
  }

  /**
   * What a Redis queue's `finish` needs to store this store's results in its
   * own script: the client, the hash tag and how a result is written.
   *
   * @internal
   */
  resultTarget(): ResultTarget {
    return { client: this.#client, tag: this.#tag, write: (key, value) => this.#write(key, value) };
  }

  /** The result's key and the arguments of the script that stores it: one place for `put` and the queue's `finish`. */
  #write(key: string, value: string, ttlMs?: number): ResultWrite {
    return { key: this.#keyOf(key), argv: [value, ttlMs === undefined ? this.#ttlMs : Math.max(1, Math.round(ttlMs)), this.key, key] };
  }

  /**
   * Reads the value under `key` and deletes it, in one step (`GETDEL`).
   *
   * @returns The value, or {@link EmptyData} when there is none.
   */
  async get(key: string): Promise<string | typeof EmptyData> {
    return (await redisCall(this.#client, DataStoreGetException, `Could not get key "${key}"`, () => this.#client.getdel(this.#keyOf(key)))) ?? EmptyData;
  }

  /** Reads the value under `key` without deleting it. */
  async peek(key: string): Promise<string | typeof EmptyData> {
    return (await redisCall(this.#client, DataStoreGetException, `Could not peek at key "${key}"`, () => this.#client.get(this.#keyOf(key)))) ?? EmptyData;
  }

  /**
   * Waits until `key` holds a value, woken by the store's pub/sub channel (no polling).
   *
   * @param key - The key to wait for.
   * @param timeoutMs - The longest wait.
   * @returns `true` when the key holds a value, `false` after the timeout (or when the store is closed).
   */
  async wait(key: string, timeoutMs: number): Promise<boolean> {
    if (this.#closed) return false;
    let wake!: (found: boolean) => void;
    const woken = new Promise<boolean>((resolve) => (wake = resolve));
    const waiters = this.#waiters.get(key) ?? new Set();
    this.#waiters.set(key, waiters);
    waiters.add(wake);
    const timer = setTimeout(() => wake(false), timeoutMs);
    try {
      // subscribe before looking, so a put between the look and the wait still wakes us
      await this.#subscribe();
      if ((await this.#client.exists(this.#keyOf(key))) === 1) return true;
      return await woken;
    } catch (error) {
      // close() ends the connections under a wait in flight; that wait simply ends
      if (this.#closed) return false;
      throw error;
    } finally {
      clearTimeout(timer);
      waiters.delete(wake);
      if (waiters.size === 0 && this.#waiters.get(key) === waiters) this.#waiters.delete(key);
    }
  }

  /** Removes every result of this store (scanning for its keys; `KEYS` would block Redis). */
  async flush(): Promise<void> {
    const pattern = `${this.key.replace(/[*?[\]\\]/g, '\\$&')}.*`;
    // on a Cluster every master is scanned; the hash tag puts all the keys on one of them
    const nodes = isCluster(this.#client) ? this.#client.nodes('master') : [this.#client];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await node.unlink(...keys);
      } while (cursor !== '0');
    }
  }

  /** Wakes every waiter with `false` and closes the connections this object opened. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiters of this.#waiters.values()) for (const wake of waiters) wake(false);
    this.#waiters.clear();
    this.#subscriber?.disconnect();
    if (this.#owned) await closeClient(this.#client);
  }

  #keyOf(key: string): string {
    return `${this.key}.${key}`;
  }

  /** Subscribes once to the store's channel, on a connection of its own. */
  #subscribe(): Promise<unknown> {
    if (this.#subscribed !== undefined) return this.#subscribed;
    if (this.#subscriber === undefined) {
      const subscriber = duplicate(this.#client, this.#onError);
      subscriber.on('message', (_channel: string, key: string) => {
        for (const wake of this.#waiters.get(key) ?? []) wake(true);
      });
      // a put announced while the subscriber was reconnecting is missed: look again
      subscriber.on('ready', () => void this.#recheck());
      this.#subscriber = subscriber;
    }
    this.#subscribed = this.#subscriber.subscribe(this.key).catch((error: unknown) => {
      this.#subscribed = undefined;
      throw error;
    });
    return this.#subscribed;
  }

  async #recheck(): Promise<void> {
    for (const [key, waiters] of this.#waiters) {
      try {
        if ((await this.#client.exists(this.#keyOf(key))) === 1) for (const wake of waiters) wake(true);
      } catch (error) {
        // Redis went away again; the waiters' own timeouts still end their wait
        this.#onError?.(error as Error);
      }
    }
  }

  /** Counts this store's results (scanning for its keys), for `huey info`. */
  async count(): Promise<number> {
    return (await this.keys('')).length;
  }

  /** Stores `value` under `key` only if it holds nothing (`SET NX`), with `ttlMs` as its time to live. */
  async putIfEmpty(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const set = (): Promise<string | null> => (ttlMs === undefined ? this.#client.set(this.#keyOf(key), value, 'NX') : this.#client.set(this.#keyOf(key), value, 'PX', Math.max(1, Math.round(ttlMs)), 'NX'));
    return (await redisCall(this.#client, DataStorePutException, `Could not store key "${key}"`, set)) === 'OK';
  }

  /** The keys that begin with `prefix`, by `SCAN` over every master of a Cluster. */
  async keys(prefix: string): Promise<string[]> {
    const start = `${this.key}.`;
    const pattern = `${(start + prefix).replace(/[*?[\]\\]/g, '\\$&')}*`;
    const nodes = isCluster(this.#client) ? this.#client.nodes('master') : [this.#client];
    const found: string[] = [];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        found.push(...keys.map((key) => key.slice(start.length)));
      } while (cursor !== '0');
    }
    return found;
  }
}
