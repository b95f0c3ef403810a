/**
 * The backend contract: what a queue and a data store must do, in one
 * file, so a new backend can be written from this page alone. It is
 * fourteen verbs; everything else the package does (revoke and restore,
 * locks, the periodic lease, expiry, pipelines, dead letters) is written
 * once in `controls/` on these verbs, so a new backend gets all of it.
 *
 * | verbs                                 | what for                                          |
 * |---------------------------------------|---------------------------------------------------|
 * | `write` `read` `flush` `length`       | huey 0.2's queue                                  |
 * | `ack` `recover`                       | at-least-once: a message read is only forgotten when done, a dead consumer's come back |
 * | `schedule` `due`                      | calls with an eta survive a crash of the consumer |
 * | `close`                               | connections and watchers are released at shutdown |
 * | `put` `get` `peek` `putIfEmpty` `keys`| the data store: results, and the state of the controls |
 *
 * `read` and `write` are required of every queue, the others enable one
 * guarantee each and the consumer checks for them. A data store has all
 * its verbs but `close`. A queue keeps the state of the controls in its
 * {@link BaseQueue.controlStore}.
 *
 * A backend may offer more, each as a named interface in a file of its
 * own beside this one: a faster path (`fast-path.ts`), inspection for
 * `huey info` and `huey web` (`inspection.ts`), and atomic versions of
 * controls (`revocations.ts`, `locks.ts`, `dead-letters.ts`), which the
 * package uses instead of its generic ones when a queue has them.
 *
 * Priorities need no verb: a message's priority is in its text
 * (`"priority":5` before `"args"`), and a backend that orders by it reads it
 * with `messagePriority(data)` on `write`. `read` then answers the highest
 * priority first, equal priorities oldest first; messages without one have
 * priority 0.
 *
 * Run `test/backends/contract.ts` against a new backend to prove it.
 *
 * @module
 */

export { messagePriority } from '../core/message.js';

/** Returned by {@link BaseDataStore.get} and {@link BaseDataStore.peek} when the key holds nothing. */
export const EmptyData: unique symbol = Symbol('EmptyData');

/** A queue of messages. Every I/O member returns a promise. */
export abstract class BaseQueue {
  /** The queue's name as given. */
  readonly name: string;
  /** The connection options as given (host, port, path, ...), for the backend's own use. */
  readonly connection: object;
  /** `true` when {@link read} waits for a message instead of answering `null` at once. */
  abstract readonly blocking: boolean;
  /**
   * `true` when reads take the highest priority first (see the module's
   * note on priorities); absent or `false` for a queue that reads first
   * in, first out whatever the priority.
   */
  readonly priorities?: boolean;
  /**
   * The data store where the controls keep what every client of this queue
   * must see: revocations, locks, leases, dead letters. It lives beside the
   * queue (the same server or directory) and survives a consumer's restart.
   * Without one, those controls answer a clear error.
   */
  readonly controlStore?: BaseDataStore;

  /**
   * @param name - The queue's name; several queues can share one server or directory.
   * @param connection - Backend-specific options.
   */
  constructor(name: string, connection: object = {}) {
    this.name = name;
    this.connection = connection;
  }

  /**
   * Appends a message to the tail of the queue.
   *
   * @param data - The encoded message.
   * @returns A promise that settles once the message is stored.
   */
  abstract write(data: string): Promise<void>;

  /**
   * Takes the message at the head of the queue (first in, first out).
   *
   * An empty queue answers `null`; it never throws for being empty. A
   * blocking queue waits up to `timeoutMs` for a message first. With `ack`,
   * the message taken stays claimed by this queue object until acknowledged.
   *
   * @param timeoutMs - How long a blocking queue may wait; ignored by others.
   * @returns The message, or `null` when there is none (yet).
   */
  abstract read(timeoutMs?: number): Promise<string | null>;

  /** Removes every message waiting in the queue. */
  abstract flush(): Promise<void>;

  /** The number of messages waiting (not counting claimed or scheduled ones). */
  abstract length(): Promise<number>;

  /**
   * Forgets a message read with {@link read} (or taken by {@link due}): its call is done.
   *
   * @param data - The message exactly as `read` returned it.
   */
  ack?(data: string): Promise<void>;

  /**
   * Puts the messages claimed by dead consumers back at the head of the queue.
   *
   * @returns How many messages came back.
   */
  recover?(): Promise<number>;

  /**
   * Keeps a message until its eta, durably.
   *
   * @param data - The encoded message.
   * @param eta - When it becomes due.
   */
  schedule?(data: string, eta: Date): Promise<void>;

  /**
   * Takes up to `limit` scheduled messages whose eta is at or before `now`,
   * earliest first. Each is returned once, however many consumers ask, and
   * is taken like a {@link read}: the consumer runs it and then calls
   * `ack(data)`; with `recover`, a client that dies in between gives it back.
   */
  due?(now: Date, limit: number): Promise<string[]>;

  /** Releases connections, watchers and timers; a blocked `read` returns `null`. */
  close?(): Promise<void>;
}

/**
 * A key-value store: for results, for the consumer's saved schedule, and,
 * as a queue's {@link BaseQueue.controlStore}, for the state of the
 * controls. Values are strings; a key given a time to live reads as empty
 * once it passes.
 */
export abstract class BaseDataStore {
  /** The store's name as given. */
  readonly name: string;
  /** The connection options as given, for the backend's own use. */
  readonly connection: object;

  /**
   * @param name - The store's name.
   * @param connection - Backend-specific options.
   */
  constructor(name: string, connection: object = {}) {
    this.name = name;
    this.connection = connection;
  }

  /**
   * Stores `value` under `key`, replacing what was there.
   *
   * @param ttlMs - When given, the key reads as empty this long after; without it, it stays.
   */
  abstract put(key: string, value: string, ttlMs?: number): Promise<void>;

  /**
   * Reads the value under `key` and deletes it, in one step: of several
   * clients getting one key at once, one receives the value.
   *
   * @returns The value, or {@link EmptyData} when there is none.
   */
  abstract get(key: string): Promise<string | typeof EmptyData>;

  /** Reads the value under `key` without deleting it; {@link EmptyData} when there is none. */
  abstract peek(key: string): Promise<string | typeof EmptyData>;

  /**
   * Stores `value` under `key` only if the key holds nothing (or its time
   * to live has passed), in one step: of several clients putting one key
   * at once, one succeeds. Locks and leases are made of this.
   *
   * @param ttlMs - When given, the key reads as empty this long after.
   * @returns `true` for the one caller whose value was stored.
   */
  abstract putIfEmpty(key: string, value: string, ttlMs?: number): Promise<boolean>;

  /**
   * The keys that begin with `prefix` and hold a value now, in no set order.
   *
   * @param prefix - E.g. `lock:`; `''` for every key.
   */
  abstract keys(prefix: string): Promise<string[]>;

  /** Removes every key. */
  abstract flush(): Promise<void>;

  /** Releases connections and watchers. */
  close?(): Promise<void>;
}
