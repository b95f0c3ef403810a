/**
 * The Redis queue: claims into a processing list per consumer, heartbeats
 * and recovery, the schedule, dead letters and leases. The module
 * `huey/backends/redis` describes the keys and scripts.
 *
 * @internal
 * @module
 */
import { BaseQueue, type BaseDataStore, type ClaimedMessage, type ConsumerInfo, type DeadLetter, type Revocation, type RevocationEntry, type ScheduledMessage } from '../base.js';
import { DataStorePutException, QueueException, QueueReadException, QueueWriteException } from '../../exceptions.js';
import { addressOf, causeOf, redisCall } from './errors.js';
import * as check from '../../core/validate.js';
import { BlockingRead } from './blocking-read.js';
import { Claims } from './claims.js';
import { Finishes, type Finish } from './finishes.js';
import { DEFAULTS, closeClient, connect, isCluster, keyName, parseConnection, sameDatabase, withScripts, type RedisClient, type RedisConnectionOptions, type ScriptCommands } from './connection.js';
import { isGoneLocally, newConsumerId } from './consumer-id.js';
import * as inspect from './inspect.js';
import * as controls from './controls.js';
import { WAKE } from './control-scripts.js';
import { leaseKey, queueKeys, type QueueKeys } from './keys.js';
import { RedisDataStore, type ResultTarget } from './store.js';
import { Unrevoked } from './unrevoked.js';

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
  /**
   * How many replicas must have a message before {@link RedisQueue.write}
   * (or `schedule`) resolves: each write is followed, in the same round
   * trip, by Redis `WAIT`, and rejects when fewer replicas confirm it
   * within `commandTimeout`, for the producer to try again. Redis
   * replicates asynchronously, so without it a failover can lose a message
   * whose write had resolved; with it nothing is lost but a write may be
   * repeated. Messages the consumer claims and finishes need no such
   * wait: a consumer that follows a failover puts back what the new master
   * still shows it holding, and runs it again.
   * @defaultValue `0` (no wait)
   */
  waitForReplicas?: number;
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
  /** `true`: reads take the highest priority first. */
  override readonly priorities = true;
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
  readonly #waitForReplicas: number;
  readonly #keys: QueueKeys;
  /** The connection `BLMOVE` waits on, made at the first wait. */
  #reader: BlockingRead | undefined;
  /** What this object holds, and the repair after a dropped connection. */
  readonly #claims = new Claims(() => this.#repair());
  /** The finishes of this turn of the event loop, sent together. */
  readonly #finishes = new Finishes((finishes) => this.#sendFinishes(finishes));
  /** How `finish` writes a store's results in this queue's script, or `null` when it cannot; decided once a store (clients and names do not change). */
  readonly #reachable = new WeakMap<RedisDataStore, ResultTarget | null>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** The calls handed out that are known to have been taken while nothing was revoked: `revoked()` asks Redis about the others only. */
  readonly #unrevoked = new Unrevoked();
  /** Set when a finish's claim found the queue empty: the next read waits at once, without a claim that would find nothing. */
  #foundEmpty = false;

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
    const parsed = parseConnection(new.target.name, options, ['heartbeat', 'prefetch', 'waitForReplicas']);
    super(name, options);
    this.#heartbeatMs = Math.round(check.seconds('heartbeat', options.heartbeat, DEFAULTS.heartbeat) * 1000);
    if (this.#heartbeatMs < 30) check.expected('heartbeat', 'at least 0.03 seconds', options.heartbeat);
    this.#prefetch = check.positiveInteger('prefetch', options.prefetch, DEFAULTS.prefetch);
    this.#waitForReplicas = check.nonNegativeInteger('waitForReplicas', options.waitForReplicas, 0);
    this.consumerId = newConsumerId();
    this.#keys = queueKeys(parsed.prefix, tag, this.consumerId);
    this.key = this.#keys.queue;
    this.#tag = tag;
    this.#commandTimeoutMs = parsed.commandTimeoutMs;
    const { client, owned } = connect(parsed);
    this.#client = withScripts(client);
    this.#owned = owned;
    this.#onError = options.onError;
    client.on('reconnecting', () => this.#claims.suspect());
  }

  /**
   * Appends a message at the tail of the queue (`LPUSH`, as huey 0.2), or,
   * for a priority other than 0 or while any revocation exists, at the tail
   * of its priority's list; one script either way.
   *
   * @param data - The encoded message.
   * @returns A promise that settles once Redis has the message (and `waitForReplicas` replicas have it).
   * @throws QueueWriteException naming the server and the cause when Redis cannot be reached within `commandTimeout`, or fewer replicas than `waitForReplicas` confirmed the write.
   */
  async write(data: string): Promise<void> {
    await redisCall(this.#client, QueueWriteException, `Could not write to queue "${this.name}"`, async () => {
      if (this.#waitForReplicas === 0) await controls.pushMessage(this.#client, this.#keys, data);
      else await this.#replicated(controls.pushInto(this.#client.pipeline(), this.#keys, data));
    });
  }

  /** Runs `write` followed by `WAIT` in one round trip; rejects unless `waitForReplicas` replicas confirmed it. */
  async #replicated(write: ReturnType<RedisClient['pipeline']>): Promise<void> {
    const replies = (await write.wait(this.#waitForReplicas, this.#commandTimeoutMs).exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    const confirmed = replies.at(-1)?.[1];
    if (typeof confirmed !== 'number' || confirmed < this.#waitForReplicas) {
      throw new Error(`${String(confirmed ?? 0)} of ${this.#waitForReplicas} replicas confirmed the write within ${this.#commandTimeoutMs} ms: it may be lost in a failover`);
    }
  }

  /**
   * Takes the message at the head of the queue into this consumer's
   * processing list, where it stays until {@link ack}.
   *
   * @param timeoutMs - Ignored: this queue does not wait.
   * @returns The message, or `null` when the queue is empty or this object is closed.
   * @throws QueueReadException naming the server and the cause when Redis cannot be reached within `commandTimeout`.
   */
  async read(timeoutMs = 0): Promise<string | null> {
    const [data] = await redisCall(this.#client, QueueReadException, `Could not read from queue "${this.name}"`, () => this.#take(1, timeoutMs));
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
   * @throws QueueReadException naming the server and the cause when Redis cannot be reached within `commandTimeout`.
   */
  async readMany(count: number, timeoutMs = 0): Promise<string[]> {
    const many = check.positiveInteger('count', count, 1);
    return redisCall(this.#client, QueueReadException, `Could not read from queue "${this.name}"`, () => this.#take(many, timeoutMs));
  }

  /**
   * Claims up to `count` messages: from the buffer when it holds any, else
   * `max(count, prefetch)` with one script (the extra ones are buffered),
   * else, on a blocking queue that may wait, one with BLMOVE.
   */
  async #take(count: number, timeoutMs: number): Promise<string[]> {
    if (this.#closed) return [];
    if (this.#claims.ahead.length > 0) return this.#claims.ahead.splice(0, count).map((data) => this.#claims.hand(data));
    const waitAtOnce = this.#foundEmpty && this.blocking && timeoutMs > 0;
    this.#foundEmpty = false;
    try {
      const claimed = waitAtOnce ? [] : await this.#claim(Math.max(count, this.#prefetch), 0);
      this.#startHeartbeat();
      // claimed after close() began: release(), sent after the claim on the same connection, puts them back
      if (this.#closed) return [];
      if (claimed.length > 0) {
        this.#claims.ahead.push(...claimed.slice(count));
        return claimed.slice(0, count).map((data) => this.#claims.hand(data));
      }
      if (!this.blocking || timeoutMs <= 0) return [];
      // the queue is empty: wait for the first message and hand it out at once, without claiming more
      const data = await this.#waitForOne(timeoutMs);
      if (data !== WAKE) return data === null ? [] : [data];
      // woken for a message of another priority: claim by priority, dropping the marker the wait moved
      const woken = await this.#claim(count, 1);
      if (this.#closed) return [];
      return woken.map((found) => this.#claims.hand(found));
    } catch (error) {
      // close() ends the connections under a read in flight; that read simply finds nothing
      if (this.#closed) return [];
      throw error;
    }
  }

  /**
   * Claims up to `count` messages with the claim script, highest priority
   * first, and learns on the way whether any revocation exists.
   *
   * @param drop - 1 to drop a wake marker from the processing list first.
   */
  async #claim(count: number, drop: 0 | 1): Promise<string[]> {
    return this.#claiming(() =>
      this.#client.hueyClaim(this.key, this.#keys.processing, this.#keys.consumers, this.#keys.heartbeat, this.#keys.priorities, this.#keys.revoked, count, this.consumerId, this.#heartbeatMs, this.#keys.base, drop),
    );
  }

  /** Runs a claim script, which answers whether any revocation exists, then the messages it claimed; learns the former. */
  async #claiming(script: () => Promise<[number, ...string[]]>): Promise<string[]> {
    const answered = this.#unrevoked.claimSent();
    const [revocations, ...claimed] = await this.#claims.claiming(script);
    answered(revocations);
    return claimed;
  }

  /** Removes every waiting message, of every priority (not the claimed, scheduled or dead ones). */
  async flush(): Promise<void> {
    await redisCall(this.#client, QueueException, `Could not flush queue "${this.name}"`, () => this.#client.hueyFlushQueue(this.key, this.#keys.priorities, this.#keys.base));
  }

  /** The number of waiting messages, of every priority (`LLEN` of each list, in one script). */
  async length(): Promise<number> {
    return redisCall(this.#client, QueueReadException, `Could not read the length of queue "${this.name}"`, () => this.#client.hueyQueueLength(this.key, this.#keys.priorities, this.#keys.base));
  }

  /**
   * Forgets a message read with {@link read} or taken with {@link due}: its call is done.
   *
   * @param data - The message exactly as it was returned.
   * @throws QueueException when Redis cannot be reached. The message then
   *   stays claimed, and this object acknowledges it again before its next
   *   claim, so a restart of Redis does not make a finished call run twice.
   */
  async ack(data: string): Promise<void> {
    try {
      await this.#client.lrem(this.#keys.processing, -1, data);
    } catch (error) {
      // the call is done: finish the acknowledgement once Redis answers again, before the next claim
      this.#claims.unacked.add(data);
      this.#claims.suspect();
      throw new QueueException(`Could not acknowledge a message of queue "${this.name}": ${addressOf(this.#client)} ${causeOf(this.#client, error as Error)}`, { cause: error, raw: data });
    }
    this.#claims.held.delete(data);
    this.#claims.unacked.delete(data);
    this.#unrevoked.forget(data);
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
    return (await this.#finishAndRead(data, store, key, value, 0)) !== null;
  }

  /**
   * {@link finish}, then claims up to `count` more messages as
   * {@link readMany} does without waiting, in the same script: at THREADS
   * 1 a busy consumer pays one round trip per call. The finishes of calls
   * that end in the same turn of the event loop go to Redis together, in
   * one script (`hueyFinish`). Messages claimed ahead (`prefetch`) are
   * handed out first.
   *
   * @param data - The message exactly as it was returned by a read.
   * @param store - The result store; it qualifies as for {@link finish}.
   * @param key - The result's key (the task id).
   * @param value - The encoded result.
   * @param count - The most messages to take (0: none, as {@link finish}).
   * @returns The messages taken, oldest first; `null`, having sent nothing, when `store` does not qualify.
   * @throws DataStorePutException as {@link finish} does; the messages
   *   the lost reply may have claimed are put back by the repair before
   *   the next claim.
   */
  async finishAndRead(data: string, store: BaseDataStore, key: string, value: string, count: number): Promise<string[] | null> {
    return this.#finishAndRead(data, store, key, value, check.nonNegativeInteger('count', count, 0));
  }

  // finish() and finishAndRead() share this rather than one calling the other, so that wrapping either (as the
  // benchmark's counter does) sees each call once
  async #finishAndRead(data: string, store: BaseDataStore, key: string, value: string, wanted: number): Promise<string[] | null> {
    const target = this.#targetOf(store);
    if (target === null) return null;
    // messages claimed ahead are handed out first; after close() began, nothing more is claimed
    const ahead = Math.min(wanted, this.#claims.ahead.length);
    const claim = this.#closed ? 0 : wanted - ahead;
    let claimed: string[];
    try {
      claimed = await this.#finishes.add({ result: target.write(key, value), data, count: claim });
    } catch (error) {
      throw new DataStorePutException(`Could not store the result of ${key} and acknowledge its message: ${addressOf(this.#client)} ${causeOf(this.#client, error as Error)}`, { cause: error, raw: data });
    }
    this.#claims.held.delete(data);
    this.#unrevoked.forget(data);
    if (wanted === 0) return [];
    this.#startHeartbeat();
    this.#foundEmpty = claimed.length < claim;
    // claimed after close() began: release(), sent after this script on the same connection, puts them back
    if (this.#closed) return [];
    return [...this.#claims.ahead.splice(0, ahead), ...claimed].map((found) => this.#claims.hand(found));
  }

  /** Runs the `finish` script for the finishes of one turn: results stored, messages acknowledged, the next ones claimed. */
  #sendFinishes(finishes: readonly Finish[]): Promise<string[]> {
    const keys = this.#keys;
    const count = finishes.reduce((sum, finish) => sum + finish.count, 0);
    const args: (string | number)[] = [keys.processing, this.key, keys.consumers, keys.heartbeat, keys.priorities, keys.revoked];
    for (const { result } of finishes) args.push(result.key);
    args.push(count, this.consumerId, this.#heartbeatMs, keys.base);
    for (const { result, data } of finishes) args.push(...result.argv, data);
    return this.#claiming(() => this.#client.hueyFinish(6 + finishes.length, ...args));
  }

  /** How `finish` writes `store`'s results in this queue's script, or `null` when it cannot; decided once a store. */
  #targetOf(store: BaseDataStore): ResultTarget | null {
    if (!(store instanceof RedisDataStore)) return null;
    let target = this.#reachable.get(store);
    if (target === undefined) {
      const found = store.resultTarget();
      // a script reaches one Cluster slot: the result's key must carry the queue's hash tag
      target = sameDatabase(this.#client, found.client) && (!isCluster(this.#client) || found.tag === this.#tag) ? found : null;
      this.#reachable.set(store, target);
    }
    return target;
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
    return this.#client.hueyRecover(this.key, this.#keys.consumers, this.#keys.priorities, this.#keys.base, DEFAULTS.deadConsumerGrace, ...gone);
  }

  /**
   * Keeps a message in the schedule (a sorted set by eta) until it is due.
   *
   * @param data - The encoded message.
   * @param eta - When it becomes due.
   */
  async schedule(data: string, eta: Date): Promise<void> {
    const at = check.date('eta', eta).getTime();
    // a call held until its eta is checked against the revocations in force when it is due
    this.#unrevoked.forget(data);
    if (this.#waitForReplicas === 0) await this.#client.zadd(this.#keys.schedule, at, data);
    else await this.#replicated(this.#client.pipeline().zadd(this.#keys.schedule, at, data));
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
    const taken = await this.#claims.claiming(() =>
      this.#client.hueyDue(this.#keys.schedule, this.#keys.processing, this.#keys.consumers, this.#keys.heartbeat, now.getTime(), limit, this.consumerId, this.#heartbeatMs),
    );
    if (taken.length > 0) {
      this.#startHeartbeat();
      this.#unrevoked.handedBlind();
    }
    for (const data of taken) this.#claims.held.add(data);
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
    this.#claims.held.delete(data);
    this.#unrevoked.forget(data);
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
    return (await this.#client.set(leaseKey(this.#keys.base, key), this.consumerId, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /**
   * Stops the heartbeat, wakes a blocked read with `null`, puts this
   * consumer's unacknowledged messages back at the head of the queue, takes
   * it off the list of consumers, and closes the connections this object opened (not a `client` it was given).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    const settled = (await this.#reader?.stop()) ?? true;
    try {
      for (const data of this.#claims.unacked) await this.#client.lrem(this.#keys.processing, -1, data);
      if (this.#timer !== undefined || this.#claims.ahead.length > 0 || this.#claims.held.size > 0) {
        await this.#client.hueyRelease(this.key, this.#keys.processing, this.#keys.consumers, this.#keys.heartbeat, this.#keys.priorities, this.consumerId, settled ? '1' : '0', this.#keys.base);
      }
    } catch (error) {
      // Redis is down: the heartbeat expires instead and recover() returns the messages
      this.#onError?.(error as Error);
    } finally {
      this.#claims.ahead.length = 0;
      this.#claims.held.clear();
      this.#unrevoked.clear();
      if (this.#owned) await closeClient(this.#client);
    }
  }

  /** Waits for a message with BLMOVE on a connection of its own, which `close()` unblocks. */
  async #waitForOne(timeoutMs: number): Promise<string | null> {
    this.#reader ??= new BlockingRead({ client: this.#client, commandTimeoutMs: this.#commandTimeoutMs, onError: this.#onError, onSuspect: () => this.#claims.suspect() });
    const reader = this.#reader;
    await reader.connect();
    if (this.#closed) return null;
    const data = await this.#claims.claiming(() => reader.move(this.key, this.#keys.processing, timeoutMs));
    if (data !== null && data !== WAKE) this.#unrevoked.takenByBlockingRead(data);
    // after close() a message moved in the last instant is not handed out: release() has put it back
    if (data === WAKE) return data; // not a message: the caller claims instead
    return data === null || this.#closed ? null : this.#claims.hand(data);
  }

  /**
   * After a dropped connection (or a failed `ack`), finishes the failed
   * acknowledgements, then puts back what a claim whose reply was lost left
   * in the processing list: every message there that this object does not
   * hold.
   */
  async #repair(): Promise<void> {
    for (const data of this.#claims.unacked) await this.ack(data);
    await this.#client.hueyReclaim(this.key, this.#keys.processing, this.#keys.priorities, this.#keys.base, ...this.#claims.held, ...this.#claims.ahead);
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

  // Controls of calls: revocations and locks (the work is in ./controls.ts).

  /** Keeps a revocation in the hash `<prefix>{<name>}.revoked` (`HSET`). */
  async revoke(key: string, revocation: Revocation): Promise<void> {
    await redisCall(this.#client, QueueWriteException, `Could not revoke ${key} in queue "${this.name}"`, () => controls.revoke(this.#client, this.#keys, key, revocation));
  }

  /** Removes a revocation (one script); `true` when it was in force. */
  async restore(key: string): Promise<boolean> {
    return redisCall(this.#client, QueueWriteException, `Could not restore ${key} in queue "${this.name}"`, () => controls.restore(this.#client, this.#keys, key));
  }

  /**
   * The first of `keys` revoked at `now` (one script, which takes a `once`
   * revocation away). No round trip for a call a blocking read took (none
   * was in force then), nor when this object's latest claim found no
   * revocation at all and was sent after every message `due` handed out:
   * the calls claimed were read with none in force.
   */
  async revoked(keys: string[], now: Date): Promise<string | null> {
    if (this.#unrevoked.known(keys[0])) return null;
    return redisCall(this.#client, QueueReadException, `Could not read the revocations of queue "${this.name}"`, () => controls.revoked(this.#client, this.#keys, keys, now));
  }

  /** The revocations in force at `now` (`HGETALL`). */
  async revocations(now: Date): Promise<RevocationEntry[]> {
    return redisCall(this.#client, QueueReadException, `Could not read the revocations of queue "${this.name}"`, () => controls.revocations(this.#client, this.#keys, now));
  }

  /** Takes a lock with `SET NX PX` (and records its name), one script. */
  async lock(name: string, token: string, ttlMs: number): Promise<boolean> {
    return redisCall(this.#client, QueueException, `Could not take lock "${name}" of queue "${this.name}"`, () => controls.lock(this.#client, this.#keys, name, token, ttlMs));
  }

  /** `PEXPIRE` of the lock when `token` holds it, one script. */
  async renewLock(name: string, token: string, ttlMs: number): Promise<boolean> {
    return redisCall(this.#client, QueueException, `Could not renew lock "${name}" of queue "${this.name}"`, () => controls.renewLock(this.#client, this.#keys, name, token, ttlMs));
  }

  /** `DEL` of the lock when `token` holds it, one script. */
  async unlock(name: string, token: string): Promise<boolean> {
    return redisCall(this.#client, QueueException, `Could not release lock "${name}" of queue "${this.name}"`, () => controls.unlock(this.#client, this.#keys, name, token));
  }

  /** `EXISTS` of the lock's key. */
  async isLocked(name: string): Promise<boolean> {
    return redisCall(this.#client, QueueReadException, `Could not read lock "${name}" of queue "${this.name}"`, () => controls.isLocked(this.#client, this.#keys, name));
  }

  async locks(): Promise<string[]> {
    return redisCall(this.#client, QueueReadException, `Could not read the locks of queue "${this.name}"`, () => controls.locks(this.#client, this.#keys));
  }

  async flushLocks(): Promise<number> {
    return redisCall(this.#client, QueueException, `Could not flush the locks of queue "${this.name}"`, () => controls.flushLocks(this.#client, this.#keys));
  }

  // Inspection and trace (huey info, peek, trace, dead-letters): the work is in ./inspect.ts.

  /**
   * Appends a line to the queue's trace, the capped stream
   * `<prefix>{<name>}.trace` (`XADD MAXLEN ~ 100000`).
   *
   * @param line - One line of JSON.
   */
  async traceAppend(line: string): Promise<void> {
    await inspect.traceAppend(this.#client, this.#keys, line);
  }

  /**
   * Reads the trace stream, oldest first.
   *
   * @param taskId - When given, only the lines about that task.
   */
  async traceRead(taskId?: string): Promise<string[]> {
    return inspect.traceRead(this.#client, this.#keys, taskId);
  }

  /**
   * The next messages, head (the right end of the list) first, without taking them.
   *
   * @param limit - The most to return.
   */
  async waiting(limit: number): Promise<string[]> {
    return inspect.waiting(this.#client, this.#keys, limit);
  }

  /**
   * The scheduled messages, earliest first, without taking them.
   *
   * @param limit - The most to return.
   */
  async scheduled(limit: number): Promise<ScheduledMessage[]> {
    return inspect.scheduled(this.#client, this.#keys, limit);
  }

  /**
   * The processing lists of the consumers that have taken messages. Redis
   * keeps no claim time: `since` is `null`.
   */
  async claims(): Promise<ClaimedMessage[]> {
    return inspect.claims(this.#client, this.#keys);
  }

  /**
   * The consumers that have taken messages, alive while their heartbeat key
   * lives (and, on this host, their process runs). The last beat is
   * estimated from the key's remaining time to live, assuming this queue's
   * `heartbeat` setting.
   */
  async consumers(): Promise<ConsumerInfo[]> {
    return inspect.consumers(this.#client, this.#keys, this.#heartbeatMs);
  }

  /**
   * Moves a dead letter back to the tail of the queue: `LREM` of its entry,
   * then `LPUSH` of its message by the one caller whose `LREM` removed it.
   *
   * @param letter - As {@link RedisQueue.deadLetters} returned it.
   * @returns `false` when it is no longer in the dead letters.
   */
  async requeueDeadLetter(letter: DeadLetter): Promise<boolean> {
    return inspect.requeueDeadLetter(this.#client, this.#keys, letter);
  }

  /**
   * Deletes the dead letters (`LLEN` and `DEL` in one `MULTI`).
   *
   * @returns How many there were.
   */
  async purgeDeadLetters(): Promise<number> {
    return inspect.purgeDeadLetters(this.#client, this.#keys);
  }
}
