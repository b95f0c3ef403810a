/**
 * The Redis queue: claims into a processing list per consumer, heartbeats
 * and recovery, the schedule, dead letters and leases. The module
 * `huey/backends/redis` describes the keys and scripts. This class is the
 * list of the queue's verbs; the work is in its parts: `./consuming.ts`
 * (claims, heartbeat, release), `./fast-path.ts` (`finish`), `./writes.ts`
 * (writes and the wait for replicas), `./controls.ts` (priorities,
 * revocations, locks) and `./inspect.ts` (`huey info`, `peek`, `trace`).
 *
 * @internal
 * @module
 */
import { BaseQueue, type BaseDataStore } from '../base.js';
import type { DeadLetter, DeadLetters } from '../dead-letters.js';
import type { FinishAndRead, NextEta, ReadMany, WriteMany } from '../fast-path.js';
import type { ClaimedMessage, ConsumerInfo, Inspection, ScheduledMessage } from '../inspection.js';
import type { DeliveryCount } from '../deliveries.js';
import type { Locks } from '../locks.js';
import type { Revocation, RevocationEntry, Revocations } from '../revocations.js';
import { QueueException, QueueReadException, QueueWriteException } from '../../exceptions.js';
import * as check from '../../core/validate.js';
import { keyName, parseConnection } from './connection.js';
import { Consuming } from './consuming.js';
import * as controls from './controls.js';
import { redisCall } from './errors.js';
import { FastPath } from './fast-path.js';
import * as inspect from './inspect.js';
import { leaseKey } from './keys.js';
import { QUEUE_KEYS, openQueue, type QueueLink, type RedisQueueOptions } from './queue-options.js';
import { RedisDataStore } from './store.js';
import { RedisRecords } from './records.js';
import { scheduleMessage, writeMessage, writeMessages } from './writes.js';

export type { RedisQueueOptions } from './queue-options.js';

/**
 * A queue in Redis whose `read` answers at once, `null` when the queue is
 * empty (the consumer polls); {@link RedisBlockingQueue} waits.
 *
 * @example
 * ```ts
 * const queue = new RedisQueue('test-queue', { host: 'localhost', port: 6379 });
 * ```
 */
export class RedisQueue extends BaseQueue implements ReadMany, WriteMany, FinishAndRead, NextEta, Inspection, DeadLetters, Revocations, Locks, DeliveryCount {
  /** `false`: `read` never waits. */
  readonly blocking: boolean = false;
  /** `true`: reads take the highest priority first. */
  override readonly priorities = true;
  /** This queue object's consumer id, `<host>:<pid>:<random>`, as it appears in key names. */
  readonly consumerId: string;
  /** The key of the waiting messages, e.g. `huey.redis.{testqueue}`. */
  readonly key: string;
  /** Where the generic controls keep their state, on this queue's connection (its own controls are scripts). */
  override readonly controlStore: RedisDataStore;
  /** The history of finished calls and the counters of `/metrics` (`./records.ts`). */
  readonly records: import('../records.js').Records;

  /** The connection, keys and settings, shared with the parts below. */
  readonly #link: QueueLink;
  /** What this object has claimed, and what keeps it. */
  readonly #consuming: Consuming;
  /** `finish` and `finishAndRead`: one script for the finishes of a turn. */
  readonly #fastPath: FastPath;

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
    const parsed = parseConnection(new.target.name, options, QUEUE_KEYS);
    super(name, options);
    this.#link = openQueue(name, tag, parsed, options);
    this.consumerId = this.#link.consumerId;
    this.key = this.#link.keys.queue;
    this.#consuming = new Consuming(this.#link, this);
    this.#fastPath = new FastPath(this.#link, this.#consuming);
    this.controlStore = new RedisDataStore(`${name}.controls`, { client: this.#link.client, prefix: parsed.prefix, resultTtl: 0 });
    this.records = new RedisRecords(this.#link.client, this.#link.keys.base, name);
  }

  /**
   * Appends a message at the tail of the queue (`LPUSH`, as huey 0.2), or of its priority's list
   * (a priority other than 0, or while any revocation exists); one script either way.
   *
   * @param data - The encoded message.
   * @returns A promise that settles once Redis has the message (and `waitForReplicas` replicas have it).
   * @throws QueueWriteException naming the server and the cause when Redis cannot be reached within `commandTimeout`, or fewer replicas than `waitForReplicas` confirmed the write.
   */
  async write(data: string): Promise<void> {
    await redisCall(this.#link.client, QueueWriteException, `Could not write to queue "${this.name}"`, () => writeMessage(this.#link, data));
  }

  /** {@link write} of every message, in order, in one round trip (one pipeline). */
  async writeMany(data: readonly string[]): Promise<void> {
    await redisCall(this.#link.client, QueueWriteException, `Could not write ${data.length} messages to queue "${this.name}"`, () => writeMessages(this.#link, data));
  }

  /**
   * Takes the message at the head of the queue into this consumer's processing list, until {@link ack}.
   *
   * @param timeoutMs - Ignored: this queue does not wait.
   * @returns The message, or `null` when the queue is empty or this object is closed.
   * @throws QueueReadException naming the server and the cause when Redis cannot be reached within `commandTimeout`.
   */
  async read(timeoutMs = 0): Promise<string | null> {
    const [data] = await this.#take(1, timeoutMs);
    return data ?? null;
  }

  /**
   * Takes up to `count` messages from the head of the queue into this consumer's processing list
   * with one script, oldest first; each stays claimed until {@link ack} or {@link finish}.
   * Messages claimed ahead (`prefetch`) are handed out first, without a round trip.
   *
   * @param count - The most messages to take (a positive integer).
   * @param timeoutMs - Ignored: this queue does not wait.
   * @returns The messages, oldest first; empty when the queue is empty or this object is closed.
   * @throws ConfigurationError when `count` is not a positive integer.
   * @throws QueueReadException naming the server and the cause when Redis cannot be reached within `commandTimeout`.
   */
  async readMany(count: number, timeoutMs = 0): Promise<string[]> {
    return this.#take(check.positiveInteger('count', count, 1), timeoutMs);
  }

  /** A claim of `read` or `readMany` (see `./consuming.ts`); only a blocking queue waits. */
  #take(count: number, timeoutMs: number): Promise<string[]> {
    return redisCall(this.#link.client, QueueReadException, `Could not read from queue "${this.name}"`, () => this.#consuming.take(count, this.blocking ? timeoutMs : 0));
  }

  /** Removes every waiting message, of every priority (not the claimed, scheduled or dead ones). */
  async flush(): Promise<void> {
    const { client, keys } = this.#link;
    await redisCall(client, QueueException, `Could not flush queue "${this.name}"`, () => client.hueyFlushQueue(keys.queue, keys.priorities, keys.base));
  }

  /** The number of waiting messages, of every priority (`LLEN` of each list, in one script). */
  async length(): Promise<number> {
    const { client, keys } = this.#link;
    return redisCall(client, QueueReadException, `Could not read the length of queue "${this.name}"`, () => client.hueyQueueLength(keys.queue, keys.priorities, keys.base));
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
    await this.#consuming.ack(data);
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
    return (await this.#fastPath.finishAndRead(data, store, key, value, 0)) !== null;
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
    return this.#fastPath.finishAndRead(data, store, key, value, check.nonNegativeInteger('count', count, 0));
  }

  /**
   * Puts the messages of dead consumers back at the head of the queue: those
   * whose heartbeat expired, and those on this host whose process is gone.
   * Every reading queue object also runs this on its heartbeat timer.
   *
   * @returns How many messages came back.
   */
  async recover(): Promise<number> {
    return this.#consuming.recover();
  }

  /** Keeps the message `data` in the schedule (a sorted set by eta) until `eta`. */
  async schedule(data: string, eta: Date): Promise<void> {
    const at = check.date('eta', eta).getTime();
    // a call held until its eta is checked against the revocations in force when it is due
    this.#consuming.unrevoked.forget(data);
    await scheduleMessage(this.#link, data, at);
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
    return this.#consuming.due(now, limit);
  }

  /** The earliest eta in the schedule, or `null` when it is empty. */
  async nextEta(): Promise<Date | null> {
    const [, score] = await this.#link.client.zrange(this.#link.keys.schedule, 0, 0, 'WITHSCORES');
    return score === undefined ? null : new Date(Number(score));
  }

  /** Moves a message this consumer holds (`data`, as read) to the dead letters, with the reason and the time. */
  async deadLetter(data: string, reason: string): Promise<void> {
    await this.#consuming.deadLetter(data, reason);
  }

  /** The dead letters of this queue, oldest first. */
  async deadLetters(): Promise<DeadLetter[]> {
    return inspect.deadLetters(this.#link.client, this.#link.keys);
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
    return (await this.#link.client.set(leaseKey(this.#link.keys.base, key), this.consumerId, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** The deliveries of a message held: its returns unfinished (hash `<prefix>{name}.returned`) plus one; 1 without asking while none came back. */
  deliveries(data: string): Promise<number> {
    return this.#consuming.deliveries(data);
  }

  /**
   * Stops the heartbeat, wakes a blocked read with `null`, puts this
   * consumer's unacknowledged messages back at the head of the queue, takes
   * it off the list of consumers, and closes its control store and the connections it opened (not a `client` it was given).
   */
  async close(): Promise<void> {
    await this.controlStore.close();
    await this.#consuming.close();
  }

  // Controls of calls: revocations and locks (the work is in ./controls.ts).

  /** Keeps a revocation in the hash `<prefix>{<name>}.revoked` (`HSET`). */
  async revoke(key: string, revocation: Revocation): Promise<void> {
    await redisCall(this.#link.client, QueueWriteException, `Could not revoke ${key} in queue "${this.name}"`, () => controls.revoke(this.#link.client, this.#link.keys, key, revocation));
  }

  /** Removes a revocation (one script); `true` when it was in force. */
  async restore(key: string): Promise<boolean> {
    return redisCall(this.#link.client, QueueWriteException, `Could not restore ${key} in queue "${this.name}"`, () => controls.restore(this.#link.client, this.#link.keys, key));
  }

  /**
   * The first of `keys` revoked at `now` (one script, which takes a `once`
   * revocation away). No round trip for a call a blocking read took (none
   * was in force then), nor when this object's latest claim found no
   * revocation at all and was sent after every message `due` handed out:
   * the calls claimed were read with none in force.
   */
  async revoked(keys: string[], now: Date): Promise<string | null> {
    if (this.#consuming.unrevoked.known(keys[0])) return null;
    return redisCall(this.#link.client, QueueReadException, `Could not read the revocations of queue "${this.name}"`, () => controls.revoked(this.#link.client, this.#link.keys, keys, now));
  }

  /** The revocations in force at `now` (`HGETALL`). */
  async revocations(now: Date): Promise<RevocationEntry[]> {
    return redisCall(this.#link.client, QueueReadException, `Could not read the revocations of queue "${this.name}"`, () => controls.revocations(this.#link.client, this.#link.keys, now));
  }

  /** Takes a lock with `SET NX PX` (and records its name), one script. */
  async lock(name: string, token: string, ttlMs: number): Promise<boolean> {
    return redisCall(this.#link.client, QueueException, `Could not take lock "${name}" of queue "${this.name}"`, () => controls.lock(this.#link.client, this.#link.keys, name, token, ttlMs));
  }

  /** `PEXPIRE` of the lock when `token` holds it, one script. */
  async renewLock(name: string, token: string, ttlMs: number): Promise<boolean> {
    return redisCall(this.#link.client, QueueException, `Could not renew lock "${name}" of queue "${this.name}"`, () => controls.renewLock(this.#link.client, this.#link.keys, name, token, ttlMs));
  }

  /** `DEL` of the lock when `token` holds it, one script. */
  async unlock(name: string, token: string): Promise<boolean> {
    return redisCall(this.#link.client, QueueException, `Could not release lock "${name}" of queue "${this.name}"`, () => controls.unlock(this.#link.client, this.#link.keys, name, token));
  }

  /** `EXISTS` of the lock's key. */
  async isLocked(name: string): Promise<boolean> {
    return redisCall(this.#link.client, QueueReadException, `Could not read lock "${name}" of queue "${this.name}"`, () => controls.isLocked(this.#link.client, this.#link.keys, name));
  }

  async locks(): Promise<string[]> {
    return redisCall(this.#link.client, QueueReadException, `Could not read the locks of queue "${this.name}"`, () => controls.locks(this.#link.client, this.#link.keys));
  }

  async flushLocks(): Promise<number> {
    return redisCall(this.#link.client, QueueException, `Could not flush the locks of queue "${this.name}"`, () => controls.flushLocks(this.#link.client, this.#link.keys));
  }

  // Inspection and trace (huey info, peek, trace, dead-letters): the work is in ./inspect.ts.

  /** Appends a line of JSON to the queue's trace, the capped stream `<prefix>{<name>}.trace` (`XADD MAXLEN ~ 100000`). */
  async traceAppend(line: string): Promise<void> {
    await inspect.traceAppend(this.#link.client, this.#link.keys, line);
  }

  /** Reads the trace stream, oldest first; only the lines about `taskId` when given. */
  async traceRead(taskId?: string): Promise<string[]> {
    return inspect.traceRead(this.#link.client, this.#link.keys, taskId);
  }

  /** The next `limit` messages, head (the right end of the list) first, without taking them. */
  async waiting(limit: number): Promise<string[]> {
    return inspect.waiting(this.#link.client, this.#link.keys, limit);
  }

  /** The first `limit` scheduled messages, earliest first, without taking them. */
  async scheduled(limit: number): Promise<ScheduledMessage[]> {
    return inspect.scheduled(this.#link.client, this.#link.keys, limit);
  }

  /** The processing lists of the consumers that have taken messages. Redis keeps no claim time: `since` is `null`. */
  async claims(): Promise<ClaimedMessage[]> {
    return inspect.claims(this.#link.client, this.#link.keys);
  }

  /**
   * The consumers that have taken messages, alive while their heartbeat key
   * lives (and, on this host, their process runs). The last beat is
   * estimated from the key's remaining time to live, assuming this queue's
   * `heartbeat` setting.
   */
  async consumers(): Promise<ConsumerInfo[]> {
    return inspect.consumers(this.#link.client, this.#link.keys, this.#link.heartbeatMs);
  }

  /**
   * Moves a dead letter back to the tail of the queue: `LREM` of its entry,
   * then `LPUSH` of its message by the one caller whose `LREM` removed it.
   *
   * @param letter - As {@link RedisQueue.deadLetters} returned it.
   * @returns `false` when it is no longer in the dead letters.
   */
  async requeueDeadLetter(letter: DeadLetter): Promise<boolean> {
    return inspect.requeueDeadLetter(this.#link.client, this.#link.keys, letter);
  }

  /** Deletes the dead letters (`LLEN` and `DEL` in one `MULTI`); returns how many there were. */
  async purgeDeadLetters(): Promise<number> {
    return inspect.purgeDeadLetters(this.#link.client, this.#link.keys);
  }
}
