/**
 * The Redis backend: any number of producers and consumers on any number
 * of hosts share one Redis (or a Redis Cluster or Sentinel set, through
 * ioredis). Only this module loads ioredis; importing `huey` does not.
 *
 * Messages stay readable with `redis-cli`: `LRANGE huey.redis.{testqueue} 0 -1`
 * lists the waiting ones, and `redis-cli MONITOR` shows each `LPUSH` of a
 * producer and each `BLMOVE` of a consumer, as huey's getting-started
 * shows `LPUSH` and `BRPOP`.
 *
 * ## Keys
 *
 * `<prefix>` is `huey.redis.` unless the `prefix` option says otherwise;
 * `<name>` is the queue's (or store's) name with everything but a-z and 0-9
 * removed, as huey 0.2 did (`test-queue` becomes `testqueue`). The name
 * sits in a hash tag `{…}`, so every key of one queue lives in one Redis
 * Cluster slot and the scripts that touch several of them work there too.
 *
 * | key                                        | type       | holds                                                                                   |
 * |--------------------------------------------|------------|-----------------------------------------------------------------------------------------|
 * | `<prefix>{<name>}`                         | list       | waiting messages: producers `LPUSH`, consumers take from the right (the head)           |
 * | `<prefix>{<name>}.processing.<consumer>`   | list       | messages a consumer has taken and not yet acknowledged                                  |
 * | `<prefix>{<name>}.heartbeat.<consumer>`    | string     | the consumer's id, with a TTL (`heartbeat`, 15 s) it refreshes every third of that      |
 * | `<prefix>{<name>}.consumers`               | sorted set | consumer ids that have taken messages; score 0 while alive, else when first found dead  |
 * | `<prefix>{<name>}.schedule`                | sorted set | scheduled messages, scored by eta (ms since the epoch)                                  |
 * | `<prefix>{<name>}.dead`                    | list       | dead letters, oldest first: JSON `{"data","reason","at"}`                               |
 * | `<prefix>{<name>}.lease.<key>`             | string     | a lease (`periodic:<minute>`): the holder's id, expiring after the lease's time         |
 * | `<prefix>{<name>}.trace`                   | stream     | the trace (`traceAppend`): one line an entry, capped at about 100,000 (`XADD MAXLEN ~`) |
 * | `<prefix>results.{<name>}.<task id>`       | string     | one result, expiring after `resultTtl` (a week) unless read first                       |
 *
 * A consumer id is `<host>:<pid>:<random>`. The result store also
 * publishes each stored task id on the pub/sub channel
 * `<prefix>results.{<name>}`, which wakes producers waiting for it.
 *
 * ## Scripts
 *
 * Each step that touches several keys is one Lua script (`redis-cli
 * MONITOR` shows it as `EVALSHA` with its keys):
 *
 * | script       | run by                            | does                                                                                    |
 * |--------------|-----------------------------------|-----------------------------------------------------------------------------------------|
 * | `claim`      | `read`, `readMany`                | registers the consumer, moves up to `count` messages into its processing list           |
 * | `finish`     | `finish`                          | `SET` of the result with its TTL, `PUBLISH` of its key, `LREM` of the message: one step |
 * | `putResult`  | `RedisDataStore.put`              | `SET` of the result with its TTL, `PUBLISH` of its key                                  |
 * | `due`        | `due`                             | moves due scheduled messages into the processing list                                   |
 * | `heartbeat`  | the heartbeat timer               | refreshes the heartbeat and marks the consumer alive                                    |
 * | `recover`    | `recover`, the heartbeat timer    | puts dead consumers' processing lists back at the head of the queue                     |
 * | `reclaim`    | the first claim after a reconnect | puts back what a claim whose reply was lost left in the processing list                 |
 * | `release`    | `close`                           | puts the processing list back, removes the heartbeat                                    |
 * | `deadLetter` | `deadLetter`                      | moves a message from the processing list to the dead letters                            |
 *
 * On a Redis Cluster a script reaches the keys of one slot: `finish`
 * stores in one step only for a store of the queue's own name (same hash
 * tag) and answers `false` for another, so the consumer calls `put` and
 * `ack` instead.
 *
 * ## Delivery
 *
 * A read moves the message atomically into the reader's processing list
 * (`LMOVE` in a script, or `BLMOVE` when it waits); `ack` removes it from
 * there, or `finish`, in the script that stores its result. Each queue
 * object that reads keeps a heartbeat key alive; when a consumer dies, its
 * heartbeat expires and `recover()` (run by every live consumer's
 * heartbeat timer, and at will) puts its messages back at the head of the
 * queue. A consumer on the same host whose process is gone is recovered at
 * once. `close()` puts the closing consumer's unacknowledged messages back.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mentionsTask } from '../trace.js';
import { BaseDataStore, BaseQueue, EmptyData, type ClaimedMessage, type ConsumerInfo, type DeadLetter, type ScheduledMessage } from './base.js';
import { DataStorePutException } from '../exceptions.js';
import * as check from '../validate.js';
import {
  DEFAULTS,
  closeClient,
  connect,
  duplicate,
  isCluster,
  keyName,
  parseConnection,
  sameDatabase,
  withScripts,
  type RedisClient,
  type RedisConnectionOptions,
  type ScriptCommands,
} from './redis/connection.js';

export type { RedisConnectionOptions, RedisClient } from './redis/connection.js';

/** Options of {@link RedisQueue} and {@link RedisBlockingQueue}: the connection's, and two of the queue's own. */
export interface RedisQueueOptions extends RedisConnectionOptions {
  /**
   * Seconds a reader's heartbeat lives. A consumer killed without warning
   * has its messages back in the queue within this plus a third of it.
   * @defaultValue `15`
   */
  heartbeat?: number;
  /**
   * How many messages one read claims at once. Above 1, the extra ones wait
   * in this object (claimed, so a crash loses none) for the next reads:
   * fewer round trips when a backlog exists, but `length()` no longer counts
   * them and other consumers cannot take them.
   * @defaultValue `1`
   */
  prefetch?: number;
}

/** Options of {@link RedisDataStore}: the connection's, and how long results are kept. */
export interface RedisDataStoreOptions extends RedisConnectionOptions {
  /**
   * Seconds an unread result is kept before Redis drops it; `0` keeps it until read.
   * @defaultValue `604800` (a week)
   */
  resultTtl?: number;
}

/** The longest the clean-up after a dropped connection waits for claims in flight, in ms. */
const SETTLE_WAIT_MS = 10_000;
/** How many lines the trace stream of a queue keeps, about (`MAXLEN ~`). */
const REDIS_TRACE_LINES = 100_000;

/** The host part of consumer ids, and what tells a dead local process from a live one. */
const HOST = hostname();

/** Tells whether a process of this host is gone, from a consumer id `<host>:<pid>:<random>`. */
function isGoneLocally(id: string): boolean {
  const parts = id.split(':');
  const pid = Number(parts[parts.length - 2]);
  if (parts.slice(0, -2).join(':') !== HOST || !Number.isInteger(pid) || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; only ESRCH says it is gone
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * A queue in Redis whose `read` answers at once, `null` when the queue is
 * empty (the consumer polls). See {@link RedisBlockingQueue} for one that
 * waits.
 *
 * @example
 * ```ts
 * const queue = new RedisQueue('test-queue', { host: 'localhost', port: 6379 });
 * ```
 */
export class RedisQueue extends BaseQueue {
  /** `false`: `read` never waits. */
  readonly blocking: boolean = false;
  /** This queue object's consumer id, `<host>:<pid>:<random>`, as it appears in key names. */
  readonly consumerId: string;
  /** The key of the waiting messages, e.g. `huey.redis.{testqueue}`. */
  readonly key: string;

  readonly #client: RedisClient & ScriptCommands;
  /** The name as it appears in the hash tag. */
  readonly #tag: string;
  readonly #owned: boolean;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #heartbeatMs: number;
  readonly #commandTimeoutMs: number;
  readonly #prefetch: number;
  readonly #keys: { processing: string; heartbeat: string; consumers: string; schedule: string; dead: string; base: string };
  #blockingClient: RedisClient | undefined;
  /** The blocking connection's id on the server, for `CLIENT UNBLOCK`. */
  #blockingId: number | undefined;
  /** Messages handed out by `read`/`due` and not yet acknowledged. */
  readonly #held = new Set<string>();
  /** Messages whose `ack` failed: acknowledged again before the next claim. */
  readonly #unacked = new Set<string>();
  /** Messages claimed ahead (prefetch) and not handed out yet, oldest first. */
  #buffer: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Claims (scripts or blocking moves) whose reply has not arrived. */
  #claims = 0;
  #idle: (() => void)[] = [];
  /** Set when a connection dropped: a claim's reply may have been lost, leaving its message in the processing list. */
  #suspect = false;
  #settling: Promise<void> | undefined;

  /**
   * @param name - The queue's name; `test-queue` is stored as `huey.redis.{testqueue}`.
   * @param options - Where Redis is (host, port, db, password, url, tls, or an ioredis client), the key prefix, heartbeat and prefetch.
   * @throws ConfigurationError when an option is unknown or of the wrong kind.
   * @example
   * ```ts
   * const queue = new RedisBlockingQueue('test-queue', { host: 'localhost', port: 6379, db: 0 });
   * const shared = new RedisBlockingQueue('test-queue', { url: 'rediss://:secret@redis.example.com:6380/0' });
   * const clustered = new RedisBlockingQueue('test-queue', { client: new Cluster([{ host: 'redis-1', port: 7000 }]) });
   * ```
   */
  constructor(name: string, options: RedisQueueOptions = {}) {
    const tag = keyName(name);
    const parsed = parseConnection(new.target.name, options, ['heartbeat', 'prefetch']);
    super(name, options);
    this.#heartbeatMs = Math.round(check.seconds('heartbeat', options.heartbeat, DEFAULTS.heartbeat) * 1000);
    if (this.#heartbeatMs < 30) check.expected('heartbeat', 'at least 0.03 seconds', options.heartbeat);
    this.#prefetch = check.positiveInteger('prefetch', options.prefetch, DEFAULTS.prefetch);
    this.consumerId = `${HOST}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.key = `${parsed.prefix}{${tag}}`;
    this.#tag = tag;
    this.#commandTimeoutMs = parsed.commandTimeoutMs;
    const base = `${this.key}.`;
    this.#keys = {
      base,
      processing: `${base}processing.${this.consumerId}`,
      heartbeat: `${base}heartbeat.${this.consumerId}`,
      consumers: `${base}consumers`,
      schedule: `${base}schedule`,
      dead: `${base}dead`,
    };
    const { client, owned } = connect(parsed);
    this.#client = withScripts(client);
    this.#owned = owned;
    this.#onError = options.onError;
    this.#watchForDrops(client);
  }

  /**
   * Appends a message at the tail of the queue (`LPUSH`, as huey 0.2).
   *
   * @param data - The encoded message.
   * @returns A promise that settles once Redis has the message.
   * @throws Error from ioredis when Redis cannot be reached within `commandTimeout`.
   */
  async write(data: string): Promise<void> {
    await this.#client.lpush(this.key, data);
  }

  /**
   * Takes the message at the head of the queue into this consumer's
   * processing list, where it stays until {@link ack}.
   *
   * @param timeoutMs - Ignored: this queue does not wait.
   * @returns The message, or `null` when the queue is empty or this object is closed.
   * @throws Error from ioredis when Redis cannot be reached within `commandTimeout`.
   */
  async read(timeoutMs = 0): Promise<string | null> {
    const [data] = await this.#take(1, timeoutMs);
    return data ?? null;
  }

  /**
   * Takes up to `count` messages from the head of the queue into this
   * consumer's processing list with one script, oldest first; each stays
   * claimed until {@link ack} or {@link finish}. Messages claimed ahead
   * (`prefetch`) are handed out first, without a round trip.
   *
   * @param count - The most messages to take (a positive integer).
   * @param timeoutMs - Ignored: this queue does not wait.
   * @returns The messages, oldest first; empty when the queue is empty or this object is closed.
   * @throws ConfigurationError when `count` is not a positive integer.
   * @throws Error from ioredis when Redis cannot be reached within `commandTimeout`.
   */
  async readMany(count: number, timeoutMs = 0): Promise<string[]> {
    return this.#take(check.positiveInteger('count', count, 1), timeoutMs);
  }

  /**
   * Claims up to `count` messages: from the buffer when it holds any, else
   * `max(count, prefetch)` with one script (the extra ones are buffered),
   * else, on a blocking queue that may wait, one with BLMOVE.
   */
  async #take(count: number, timeoutMs: number): Promise<string[]> {
    if (this.#closed) return [];
    if (this.#buffer.length > 0) return this.#buffer.splice(0, count).map((data) => this.#hand(data));
    try {
      const claimed = await this.#claiming(() =>
        this.#client.hueyClaim(this.key, this.#keys.processing, this.#keys.consumers, this.#keys.heartbeat, Math.max(count, this.#prefetch), this.consumerId, this.#heartbeatMs),
      );
      this.#startHeartbeat();
      // claimed after close() began: release(), sent after the claim on the same connection, puts them back
      if (this.#closed) return [];
      if (claimed.length > 0) {
        this.#buffer.push(...claimed.slice(count));
        return claimed.slice(0, count).map((data) => this.#hand(data));
      }
      if (!this.blocking || timeoutMs <= 0) return [];
      // the queue is empty: wait for the first message and hand it out at once, without claiming more
      const data = await this.#waitForOne(timeoutMs);
      return data === null ? [] : [data];
    } catch (error) {
      // close() ends the connections under a read in flight; that read simply finds nothing
      if (this.#closed) return [];
      throw error;
    }
  }

  /** Removes every waiting message (not the claimed, scheduled or dead ones). */
  async flush(): Promise<void> {
    await this.#client.del(this.key);
  }

  /** The number of waiting messages (`LLEN`). */
  async length(): Promise<number> {
    return this.#client.llen(this.key);
  }

  /**
   * Forgets a message read with {@link read} or taken with {@link due}: its call is done.
   *
   * @param data - The message exactly as it was returned.
   * @throws Error from ioredis when Redis cannot be reached. The message then
   *   stays claimed, and this object acknowledges it again before its next
   *   claim, so a restart of Redis does not make a finished call run twice.
   */
  async ack(data: string): Promise<void> {
    try {
      await this.#client.lrem(this.#keys.processing, -1, data);
    } catch (error) {
      // the call is done: finish the acknowledgement once Redis answers again, before the next claim
      this.#unacked.add(data);
      this.#suspect = true;
      throw error;
    }
    this.#held.delete(data);
    this.#unacked.delete(data);
  }

  /**
   * Stores a call's result and acknowledges its message in one script
   * (`hueyFinish`: `SET` with the store's `resultTtl`, `PUBLISH` on the
   * store's channel, `LREM` from this consumer's processing list), one
   * round trip instead of `store.put` and {@link ack}. Nothing is written
   * when this queue cannot reach `store`'s keys in one script.
   *
   * @param data - The message exactly as it was returned by a read.
   * @param store - The result store; only a {@link RedisDataStore} on the
   *   same server, database and user (the same client, or the same
   *   connection options) qualifies, and on a Cluster only one whose name
   *   gives the queue's hash tag, so the result lives in the queue's slot.
   * @param key - The result's key (the task id).
   * @param value - The encoded result.
   * @returns `true` when both are done; `false`, having sent nothing, when
   *   `store` does not qualify: the caller then uses `store.put` and `ack`.
   * @throws DataStorePutException, with the ioredis error as `cause`, when
   *   Redis cannot be reached. The message then stays claimed by this
   *   object: `close()` puts it back, or `recover()` once this consumer is
   *   gone; its result may or may not have been stored.
   */
  async finish(data: string, store: BaseDataStore, key: string, value: string): Promise<boolean> {
    if (!(store instanceof RedisDataStore)) return false;
    const target = resultTarget(store);
    if (!sameDatabase(this.#client, target.client)) return false;
    // a script reaches one Cluster slot: the result's key must carry the queue's hash tag
    if (isCluster(this.#client) && target.tag !== this.#tag) return false;
    const { key: resultKey, argv } = target.write(key, value);
    try {
      await this.#client.hueyFinish(resultKey, this.#keys.processing, ...argv, data);
    } catch (error) {
      throw new DataStorePutException(`Could not store the result of ${key} and acknowledge its message: ${(error as Error).message}`, { cause: error, raw: data });
    }
    this.#held.delete(data);
    return true;
  }

  /**
   * Puts the messages of dead consumers back at the head of the queue: those
   * whose heartbeat expired, and those on this host whose process is gone.
   * Every reading queue object also runs this on its heartbeat timer.
   *
   * @returns How many messages came back.
   */
  async recover(): Promise<number> {
    const consumers = await this.#client.zrange(this.#keys.consumers, 0, -1);
    const gone = consumers.filter(isGoneLocally);
    return this.#client.hueyRecover(this.key, this.#keys.consumers, this.#keys.base, DEFAULTS.deadConsumerGrace, ...gone);
  }

  /**
   * Keeps a message in the schedule (a sorted set by eta) until it is due.
   *
   * @param data - The encoded message.
   * @param eta - When it becomes due.
   */
  async schedule(data: string, eta: Date): Promise<void> {
    await this.#client.zadd(this.#keys.schedule, check.date('eta', eta).getTime(), data);
  }

  /**
   * Takes up to `limit` scheduled messages whose eta is at or before `now`,
   * earliest first; each goes to exactly one caller, however many ask. A
   * message taken is claimed like one from {@link read}: {@link ack} it once
   * it has run or is back in the queue; if this consumer dies first,
   * {@link recover} returns it to the queue.
   *
   * @param now - The instant to compare etas with.
   * @param limit - The most messages to take.
   * @returns The messages taken, earliest first.
   */
  async due(now: Date, limit: number): Promise<string[]> {
    check.date('now', now);
    check.positiveInteger('limit', limit, 1);
    const taken = await this.#claiming(() =>
      this.#client.hueyDue(this.#keys.schedule, this.#keys.processing, this.#keys.consumers, this.#keys.heartbeat, now.getTime(), limit, this.consumerId, this.#heartbeatMs),
    );
    if (taken.length > 0) this.#startHeartbeat();
    for (const data of taken) this.#held.add(data);
    return taken;
  }

  /** The earliest eta in the schedule, or `null` when it is empty. */
  async nextEta(): Promise<Date | null> {
    const [, score] = await this.#client.zrange(this.#keys.schedule, 0, 0, 'WITHSCORES');
    return score === undefined ? null : new Date(Number(score));
  }

  /**
   * Moves a message this consumer holds to the dead letters, with the reason and the time.
   *
   * @param data - The message as read.
   * @param reason - Why it cannot be run.
   */
  async deadLetter(data: string, reason: string): Promise<void> {
    const entry = JSON.stringify({ data, reason, at: new Date().toISOString() });
    await this.#client.hueyDeadLetter(this.#keys.processing, this.#keys.dead, data, entry);
    this.#held.delete(data);
  }

  /** The dead letters of this queue, oldest first. */
  async deadLetters(): Promise<DeadLetter[]> {
    const entries = await this.#client.lrange(this.#keys.dead, 0, -1);
    return entries.map((entry) => {
      const { data, reason, at } = JSON.parse(entry) as { data: string; reason: string; at: string };
      return { data, reason, at: new Date(at) };
    });
  }

  /**
   * Takes a lease with `SET NX PX`: one client of this queue gets it until it expires.
   *
   * @param key - What the lease is for, e.g. `periodic:2011-01-01T00:05`.
   * @param ttlMs - How long it is held.
   * @returns `true` for the one caller that got it.
   */
  async lease(key: string, ttlMs: number): Promise<boolean> {
    check.positiveInteger('ttlMs', ttlMs, 1);
    return (await this.#client.set(`${this.#keys.base}lease.${key}`, this.consumerId, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /**
   * Stops the heartbeat, wakes a blocked read with `null`, puts this
   * consumer's unacknowledged messages back at the head of the queue, and
   * closes the connections this object opened (not a `client` it was given).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#unblock();
    try {
      for (const data of this.#unacked) await this.#client.lrem(this.#keys.processing, -1, data);
      if (this.#timer !== undefined || this.#buffer.length > 0 || this.#held.size > 0) {
        await this.#client.hueyRelease(this.key, this.#keys.processing, this.#keys.consumers, this.#keys.heartbeat, this.consumerId);
      }
    } catch (error) {
      // Redis is down: the heartbeat expires instead and recover() returns the messages
      this.#onError?.(error as Error);
    } finally {
      this.#buffer = [];
      this.#held.clear();
      if (this.#owned) await closeClient(this.#client);
    }
  }

  /**
   * Ends a waiting BLMOVE at once. `CLIENT UNBLOCK` ends it on the server
   * before its reply: only disconnecting could leave the server serving a
   * message to the closed connection after release() has run (it notices
   * the disconnect a moment later). That message is not lost (`recover()`
   * finds it), but it would wait there until then.
   */
  async #unblock(): Promise<void> {
    const blocking = this.#blockingClient;
    if (blocking === undefined) return;
    try {
      if (this.#blockingId !== undefined) await this.#client.client('UNBLOCK', this.#blockingId);
    } catch (error) {
      // Redis is down: disconnecting is all there is to do
      this.#onError?.(error as Error);
    } finally {
      blocking.disconnect();
    }
  }

  #hand(data: string): string {
    this.#held.add(data);
    return data;
  }

  /** Waits for a message with BLMOVE on a connection of its own, which `close()` unblocks. */
  async #waitForOne(timeoutMs: number): Promise<string | null> {
    const blocking = await this.#blockingConnection();
    if (this.#closed) return null;
    // A wait that outlives its timeout by a command timeout has lost its
    // connection (a dead peer, a reply that never comes): the connection is
    // thrown away, which rejects the wait, and a new one is made next time.
    // Whatever the server moved for it is put back by the reclaim that follows.
    const watchdog = setTimeout(() => {
      if (this.#blockingClient !== blocking) return;
      this.#blockingClient = undefined;
      this.#suspect = true;
      blocking.disconnect();
    }, timeoutMs + this.#commandTimeoutMs);
    try {
      const data = await this.#claiming(() => blocking.blmove(this.key, this.#keys.processing, 'RIGHT', 'LEFT', timeoutMs / 1000));
      // after close() a message moved in the last instant is not handed out: release() has put it back
      return data === null || this.#closed ? null : this.#hand(data);
    } finally {
      clearTimeout(watchdog);
    }
  }

  /**
   * The connection for blocking reads, connected, with its server-side
   * client id known, so that `close()` can end a wait with `CLIENT UNBLOCK`.
   */
  async #blockingConnection(): Promise<RedisClient> {
    if (this.#blockingClient !== undefined) return this.#blockingClient;
    const blocking = duplicate(this.#client, this.#onError);
    this.#blockingClient = blocking;
    this.#watchForDrops(blocking);
    if (!isCluster(blocking)) {
      let known: Promise<void> = Promise.resolve();
      blocking.on('ready', () => {
        this.#blockingId = undefined;
        // after a reconnect this queues behind the re-sent BLMOVE and may answer late; close() then falls back to disconnecting
        known = blocking.client('ID').then(
          (id) => void (this.#blockingId = id),
          (error: Error) => this.#onError?.(error),
        );
      });
      await blocking.connect();
      await known;
    }
    return blocking;
  }

  /**
   * Runs a claim, counted, so that the clean-up after a dropped connection
   * can wait until no claim is in flight.
   */
  async #claiming<T>(claim: () => Promise<T>): Promise<T> {
    while (this.#suspect || this.#settling) await this.#settle();
    this.#claims++;
    try {
      return await claim();
    } finally {
      if (--this.#claims === 0) for (const wake of this.#idle.splice(0)) wake();
    }
  }

  /**
   * After a dropped connection (or a failed `ack`), finishes the failed
   * acknowledgements, then puts back what a claim whose reply was lost left
   * in the processing list: every message there that this object does not
   * hold.
   */
  #settle(): Promise<void> {
    this.#settling ??= (async () => {
      // wait for the claims in flight, whose messages this object will hold; not forever: a reclaim
      // that runs beside a claim can at worst hand its message out twice, never lose it
      const deadline = Date.now() + SETTLE_WAIT_MS;
      while (this.#claims > 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadline - Date.now());
          this.#idle.push(() => (clearTimeout(timer), resolve()));
        });
      }
      this.#suspect = false;
      try {
        for (const data of this.#unacked) await this.ack(data);
        await this.#client.hueyReclaim(this.key, this.#keys.processing, ...this.#held, ...this.#buffer);
      } catch (error) {
        this.#suspect = true;
        throw error;
      }
    })().finally(() => {
      this.#settling = undefined;
    });
    return this.#settling;
  }

  #watchForDrops(client: RedisClient): void {
    client.on('reconnecting', () => {
      this.#suspect = true;
    });
  }

  /** Starts refreshing the heartbeat (and recovering dead consumers) once this object has claimed. */
  #startHeartbeat(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setInterval(() => void this.#beat(), this.#heartbeatMs / 3);
    // the connection, not the timer, decides whether the process stays alive
    this.#timer.unref();
  }

  async #beat(): Promise<void> {
    try {
      await this.#client.hueyHeartbeat(this.#keys.consumers, this.#keys.heartbeat, this.consumerId, this.#heartbeatMs);
      await this.recover();
    } catch (error) {
      // Redis is down; the next beat tries again, and reads and writes report the outage
      this.#onError?.(error as Error);
    }
  }

  // Inspection and trace (huey info, peek, trace, dead-letters), appended after the backend's own members.

  /**
   * Appends a line to the queue's trace, the capped stream
   * `<prefix>{<name>}.trace` (`XADD MAXLEN ~ 100000`).
   *
   * @param line - One line of JSON.
   */
  async traceAppend(line: string): Promise<void> {
    await this.#client.xadd(`${this.#keys.base}trace`, 'MAXLEN', '~', REDIS_TRACE_LINES, '*', 'line', line);
  }

  /**
   * Reads the trace stream, oldest first.
   *
   * @param taskId - When given, only the lines about that task.
   */
  async traceRead(taskId?: string): Promise<string[]> {
    const entries = await this.#client.xrange(`${this.#keys.base}trace`, '-', '+');
    const lines = entries.map(([, fields]) => fields[fields.indexOf('line') + 1] ?? '');
    return taskId === undefined ? lines : lines.filter((line) => mentionsTask(line, taskId));
  }

  /**
   * The next messages, head (the right end of the list) first, without taking them.
   *
   * @param limit - The most to return.
   */
  async waiting(limit: number): Promise<string[]> {
    const start = Number.isFinite(limit) ? -Math.max(1, limit) : 0;
    const found = limit <= 0 ? [] : await this.#client.lrange(this.key, start, -1);
    return found.reverse();
  }

  /**
   * The scheduled messages, earliest first, without taking them.
   *
   * @param limit - The most to return.
   */
  async scheduled(limit: number): Promise<ScheduledMessage[]> {
    if (limit <= 0) return [];
    const flat = await this.#client.zrange(this.#keys.schedule, 0, Number.isFinite(limit) ? limit - 1 : -1, 'WITHSCORES');
    const found: ScheduledMessage[] = [];
    for (let i = 0; i < flat.length; i += 2) found.push({ data: flat[i]!, eta: new Date(Number(flat[i + 1])) });
    return found;
  }

  /**
   * The processing lists of the consumers that have taken messages. Redis
   * keeps no claim time: `since` is `null`.
   */
  async claims(): Promise<ClaimedMessage[]> {
    const found: ClaimedMessage[] = [];
    for (const consumer of await this.#client.zrange(this.#keys.consumers, 0, -1)) {
      for (const data of await this.#client.lrange(`${this.#keys.base}processing.${consumer}`, 0, -1)) found.push({ consumer, data, since: null });
    }
    return found;
  }

  /**
   * The consumers that have taken messages, alive while their heartbeat key
   * lives (and, on this host, their process runs). The last beat is
   * estimated from the key's remaining time to live, assuming this queue's
   * `heartbeat` setting.
   */
  async consumers(): Promise<ConsumerInfo[]> {
    const now = Date.now();
    const found: ConsumerInfo[] = [];
    for (const id of await this.#client.zrange(this.#keys.consumers, 0, -1)) {
      const ttl = await this.#client.pttl(`${this.#keys.base}heartbeat.${id}`);
      const parts = id.split(':');
      const pid = Number(parts[parts.length - 2]);
      found.push({
        id,
        host: parts.slice(0, -2).join(':') || undefined,
        pid: Number.isInteger(pid) ? pid : undefined,
        lastBeat: ttl > 0 ? new Date(now - Math.max(0, this.#heartbeatMs - ttl)) : null,
        alive: ttl > 0 && !isGoneLocally(id),
      });
    }
    return found;
  }

  /**
   * Moves a dead letter back to the tail of the queue: `LREM` of its entry,
   * then `LPUSH` of its message by the one caller whose `LREM` removed it.
   *
   * @param letter - As {@link RedisQueue.deadLetters} returned it.
   * @returns `false` when it is no longer in the dead letters.
   */
  async requeueDeadLetter(letter: DeadLetter): Promise<boolean> {
    for (const entry of await this.#client.lrange(this.#keys.dead, 0, -1)) {
      const parsed = JSON.parse(entry) as { data: string; at: string };
      if (parsed.data !== letter.data || new Date(parsed.at).getTime() !== letter.at.getTime()) continue;
      if ((await this.#client.lrem(this.#keys.dead, 1, entry)) === 0) return false;
      await this.#client.lpush(this.key, letter.data);
      return true;
    }
    return false;
  }

  /**
   * Deletes the dead letters (`LLEN` and `DEL` in one `MULTI`).
   *
   * @returns How many there were.
   */
  async purgeDeadLetters(): Promise<number> {
    const replies = await this.#client.multi().llen(this.#keys.dead).del(this.#keys.dead).exec();
    return Number(replies?.[0]?.[1] ?? 0);
  }
}

/**
 * A queue in Redis whose `read` waits for a message (`BLMOVE`) up to its
 * timeout, so an idle consumer does not poll and starts a call within a
 * millisecond of its write. `close()` interrupts a waiting read at once.
 *
 * @example
 * ```ts
 * const queue = new RedisBlockingQueue('test-queue', { host: 'localhost', port: 6379 });
 * const invoker = new Invoker(queue, { resultStore: new RedisDataStore('test-queue', { host: 'localhost' }) });
 * ```
 */
export class RedisBlockingQueue extends RedisQueue {
  /** `true`: `read` waits up to its timeout. */
  override readonly blocking: boolean = true;

  /**
   * Takes the message at the head of the queue into this consumer's
   * processing list, waiting up to `timeoutMs` for one to arrive.
   *
   * @param timeoutMs - How long to wait; `0` answers at once.
   * @returns The message, or `null` when none came in time or this object was closed.
   * @throws Error from ioredis when Redis cannot be reached.
   */
  override async read(timeoutMs = 0): Promise<string | null> {
    return super.read(timeoutMs);
  }

  /**
   * Takes up to `count` messages from the head of the queue into this
   * consumer's processing list with one script, oldest first. When the
   * queue is empty it waits up to `timeoutMs` for the first message
   * (`BLMOVE`) and returns that one at once, without a round trip for more.
   *
   * @param count - The most messages to take (a positive integer).
   * @param timeoutMs - How long to wait for the first message; `0` answers at once.
   * @returns The messages, oldest first; empty when none came in time or this object was closed.
   * @throws ConfigurationError when `count` is not a positive integer.
   * @throws Error from ioredis when Redis cannot be reached.
   */
  override async readMany(count: number, timeoutMs = 0): Promise<string[]> {
    return super.readMany(count, timeoutMs);
  }
}

/** How a result is stored: its key, then the script's ARGV (value, ttl ms, channel, key as announced on it). */
interface ResultWrite {
  key: string;
  argv: [value: string, ttlMs: number, channel: string, announced: string];
}

/** What {@link RedisQueue.finish} needs of a store to write its result in the queue's own script. */
interface ResultTarget {
  client: RedisClient;
  tag: string;
  write(key: string, value: string): ResultWrite;
}

/** Opens a store's private parts to this module only; set by {@link RedisDataStore}'s static block. */
let resultTarget: (store: RedisDataStore) => ResultTarget;

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
   * Stores `value` under `key` with the store's time to live, and wakes whoever waits for it.
   *
   * @throws Error from ioredis when Redis cannot be reached within `commandTimeout`.
   */
  async put(key: string, value: string): Promise<void> {
    const { key: resultKey, argv } = this.#write(key, value);
    await this.#client.hueyPutResult(resultKey, ...argv);
  }

  static {
    resultTarget = (store) => ({ client: store.#client, tag: store.#tag, write: (key, value) => store.#write(key, value) });
  }

  /** The result's key and the arguments of the script that stores it: one place for `put` and {@link RedisQueue.finish}. */
  #write(key: string, value: string): ResultWrite {
    return { key: this.#keyOf(key), argv: [value, this.#ttlMs, this.key, key] };
  }

  /**
   * Reads the value under `key` and deletes it, in one step (`GETDEL`).
   *
   * @returns The value, or {@link EmptyData} when there is none.
   */
  async get(key: string): Promise<string | typeof EmptyData> {
    return (await this.#client.getdel(this.#keyOf(key))) ?? EmptyData;
  }

  /** Reads the value under `key` without deleting it. */
  async peek(key: string): Promise<string | typeof EmptyData> {
    return (await this.#client.get(this.#keyOf(key))) ?? EmptyData;
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
    const pattern = `${this.key.replace(/[*?[\]\\]/g, '\\$&')}.*`;
    const nodes = isCluster(this.#client) ? this.#client.nodes('master') : [this.#client];
    let count = 0;
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        count += keys.length;
      } while (cursor !== '0');
    }
    return count;
  }
}
