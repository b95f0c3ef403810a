/**
 * A Redis queue object as a consumer of its queue: what it claims (reads
 * and `due`), the blocking wait, the heartbeat that keeps its claims its
 * own, and the release at `close()`. Kept apart from `./queue.ts`, which
 * holds one of these, so that the queue's verbs read as a list and the
 * state they share (what is held, whether a revocation was seen, the
 * timer) lives in one place.
 *
 * @internal
 * @module
 */
import { QueueException } from '../../exceptions.js';
import { BlockingRead } from './blocking-read.js';
import { Claims } from './claims.js';
import { DEFAULTS, closeClient } from './connection.js';
import { isGoneLocally } from './consumer-id.js';
import { addressOf, causeOf } from './errors.js';
import { WAKE } from './lua.js';
import type { QueueLink } from './queue-options.js';
import { Unrevoked } from './unrevoked.js';

/**
 * The queue's own `ack` and `recover`, which the repair and the heartbeat
 * call through the queue object, so that a wrapper put on them (the
 * benchmark's counters) sees those calls too.
 */
export interface QueueVerbs {
  ack(data: string): Promise<void>;
  recover(): Promise<number>;
}

/** The claims of one queue object, and what keeps them. */
export class Consuming {
  /** What this object holds, and the repair after a dropped connection. */
  readonly claims = new Claims(() => this.#repair());
  /** The calls handed out that are known to have been taken while nothing was revoked: `revoked()` asks Redis about the others only. */
  readonly unrevoked = new Unrevoked();
  /** Set when a finish's claim found the queue empty: the next read waits at once, without a claim that would find nothing. */
  foundEmpty = false;
  /** Whether the latest claim saw messages that came back unfinished (the hash `returned`): only then are deliveries asked of Redis. */
  returnsExist = false;
  readonly #link: QueueLink;
  readonly #queue: QueueVerbs;
  /** The connection `BLMOVE` waits on, made at the first wait. */
  #reader: BlockingRead | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /**
   * @param link - The queue object's connection, keys and settings.
   * @param queue - The queue object itself, for its `ack` and `recover`.
   */
  constructor(link: QueueLink, queue: QueueVerbs) {
    this.#link = link;
    this.#queue = queue;
    link.client.on('reconnecting', () => this.claims.suspect());
  }

  /** Set once `close()` has begun: nothing more is handed out. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Claims up to `count` messages: from the buffer when it holds any, else
   * `max(count, prefetch)` with one script (the extra ones are buffered),
   * else, when `timeoutMs` allows a wait, one with BLMOVE.
   *
   * @param timeoutMs - How long to wait when the queue is empty; 0 for a queue that does not wait.
   */
  async take(count: number, timeoutMs: number): Promise<string[]> {
    if (this.#closed) return [];
    if (this.claims.ahead.length > 0) return this.claims.ahead.splice(0, count).map((data) => this.claims.hand(data));
    const waitAtOnce = this.foundEmpty && timeoutMs > 0;
    this.foundEmpty = false;
    try {
      const claimed = waitAtOnce ? [] : await this.#claim(Math.max(count, this.#link.prefetch), 0);
      this.startHeartbeat();
      // claimed after close() began: release(), sent after the claim on the same connection, puts them back
      if (this.#closed) return [];
      if (claimed.length > 0) {
        this.claims.ahead.push(...claimed.slice(count));
        return claimed.slice(0, count).map((data) => this.claims.hand(data));
      }
      if (timeoutMs <= 0) return [];
      // the queue is empty: wait for the first message and hand it out at once, without claiming more
      const data = await this.#waitForOne(timeoutMs);
      if (data !== WAKE) return data === null ? [] : [data];
      // woken for a message of another priority: claim by priority, dropping the marker the wait moved
      const woken = await this.#claim(count, 1);
      if (this.#closed) return [];
      return woken.map((found) => this.claims.hand(found));
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
    const { client, keys, consumerId, heartbeatMs } = this.#link;
    return this.claiming(() => client.hueyClaim(keys.queue, keys.processing, keys.consumers, keys.heartbeat, keys.priorities, keys.revoked, count, consumerId, heartbeatMs, keys.base, drop));
  }

  /**
   * Runs a claim script, which answers its flags (1: a revocation exists,
   * 2: a message came back unfinished), then the messages it claimed;
   * learns the former.
   */
  async claiming(script: () => Promise<[number, ...string[]]>): Promise<string[]> {
    const answered = this.unrevoked.claimSent();
    const [flags, ...claimed] = await this.claims.claiming(script);
    answered(flags & 1);
    this.returnsExist = (flags & 2) !== 0;
    return claimed;
  }

  /** The deliveries of a message held: 1, unless messages came back unfinished, when Redis counts its returns. */
  async deliveries(data: string): Promise<number> {
    if (!this.returnsExist) return 1;
    const { client, keys } = this.#link;
    return 1 + Number((await client.hget(`${keys.base}returned`, data)) ?? 0);
  }

  /** Takes up to `limit` messages due at `now` into the processing list; `due` does not learn whether anything is revoked. */
  async due(now: Date, limit: number): Promise<string[]> {
    const { client, keys, consumerId, heartbeatMs } = this.#link;
    const taken = await this.claims.claiming(() => client.hueyDue(keys.schedule, keys.processing, keys.consumers, keys.heartbeat, now.getTime(), limit, consumerId, heartbeatMs));
    if (taken.length > 0) {
      this.startHeartbeat();
      this.unrevoked.handedBlind();
    }
    for (const data of taken) this.claims.held.add(data);
    return taken;
  }

  /** `LREM` of a message from the processing list; a failure is finished by the repair before the next claim. */
  async ack(data: string): Promise<void> {
    const { client, keys, name } = this.#link;
    try {
      await (this.returnsExist ? Promise.all([client.lrem(keys.processing, -1, data), client.hdel(`${keys.base}returned`, data)]) : client.lrem(keys.processing, -1, data));
    } catch (error) {
      // the call is done: finish the acknowledgement once Redis answers again, before the next claim
      this.claims.unacked.add(data);
      this.claims.suspect();
      throw new QueueException(`Could not acknowledge a message of queue "${name}": ${addressOf(client)} ${causeOf(client, error as Error)}`, { cause: error, raw: data });
    }
    this.claims.held.delete(data);
    this.claims.unacked.delete(data);
    this.unrevoked.forget(data);
  }

  /** Moves a held message to the dead letters, with the reason and the time. */
  async deadLetter(data: string, reason: string): Promise<void> {
    const { client, keys } = this.#link;
    const entry = JSON.stringify({ data, reason, at: new Date().toISOString() });
    await client.hueyDeadLetter(keys.processing, keys.dead, data, entry);
    this.claims.held.delete(data);
    this.unrevoked.forget(data);
  }

  /** Puts back the processing lists of the consumers whose heartbeat expired or, on this host, whose process is gone. */
  async recover(): Promise<number> {
    const { client, keys } = this.#link;
    const consumers = await client.zrange(keys.consumers, 0, -1);
    const gone = consumers.filter(isGoneLocally);
    return client.hueyRecover(keys.queue, keys.consumers, keys.priorities, keys.base, DEFAULTS.deadConsumerGrace, ...gone);
  }

  /**
   * Stops the heartbeat and a blocked read, puts this consumer's claims
   * back (the release script), and closes the client when this object made
   * it. With Redis down the heartbeat expires instead, and `recover()`
   * returns the messages.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    const settled = (await this.#reader?.stop()) ?? true;
    const { client, keys, consumerId } = this.#link;
    try {
      for (const data of this.claims.unacked) await client.lrem(keys.processing, -1, data);
      if (this.#timer !== undefined || this.claims.ahead.length > 0 || this.claims.held.size > 0) {
        await client.hueyRelease(keys.queue, keys.processing, keys.consumers, keys.heartbeat, keys.priorities, consumerId, settled ? '1' : '0', keys.base);
      }
    } catch (error) {
      // Redis is down: the heartbeat expires instead and recover() returns the messages
      this.#link.onError?.(error as Error);
    } finally {
      this.claims.ahead.length = 0;
      this.claims.held.clear();
      this.unrevoked.clear();
      if (this.#link.owned) await closeClient(client);
    }
  }

  /** Waits for a message with BLMOVE on a connection of its own, which `close()` unblocks. */
  async #waitForOne(timeoutMs: number): Promise<string | null> {
    const { client, keys, commandTimeoutMs, onError } = this.#link;
    this.#reader ??= new BlockingRead({ client, commandTimeoutMs, onError, onSuspect: () => this.claims.suspect() });
    const reader = this.#reader;
    await reader.connect();
    if (this.#closed) return null;
    const data = await this.claims.claiming(() => reader.move(keys.queue, keys.processing, timeoutMs));
    if (data !== null && data !== WAKE) this.unrevoked.takenByBlockingRead(data);
    // after close() a message moved in the last instant is not handed out: release() has put it back
    if (data === WAKE) return data; // not a message: the caller claims instead
    return data === null || this.#closed ? null : this.claims.hand(data);
  }

  /**
   * After a dropped connection (or a failed `ack`), finishes the failed
   * acknowledgements, then puts back what a claim whose reply was lost left
   * in the processing list: every message there that this object does not
   * hold.
   */
  async #repair(): Promise<void> {
    for (const data of this.claims.unacked) await this.#queue.ack(data);
    const { client, keys } = this.#link;
    await client.hueyReclaim(keys.queue, keys.processing, keys.priorities, keys.base, ...this.claims.held, ...this.claims.ahead);
  }

  /** Starts refreshing the heartbeat (and recovering dead consumers) once this object has claimed. */
  startHeartbeat(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setInterval(() => void this.#beat(), this.#link.heartbeatMs / 3);
    // the connection, not the timer, decides whether the process stays alive
    this.#timer.unref();
  }

  async #beat(): Promise<void> {
    const { client, keys, consumerId, heartbeatMs } = this.#link;
    try {
      await client.hueyHeartbeat(keys.consumers, keys.heartbeat, consumerId, heartbeatMs);
      await this.#queue.recover();
    } catch (error) {
      // Redis is down; the next beat tries again, and reads and writes report the outage
      this.#link.onError?.(error as Error);
    }
  }
}
