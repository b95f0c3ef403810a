/**
 * The backend contract: everything a queue or a result store must do, in
 * one file, so a new backend can be written from this page alone.
 *
 * A queue holds messages: strings, each one JSON object with a unique id,
 * so the raw string identifies the message. The four members huey 0.2 had
 * (`write`, `read`, `flush`, `length`) are required. The optional members
 * each enable one guarantee, and the consumer checks for them:
 *
 * | member                     | enables                                                   |
 * |----------------------------|-----------------------------------------------------------|
 * | `ack`                      | at-least-once: a message read is only forgotten when done |
 * | `readMany`                 | the consumer fills all its free slots with one claim      |
 * | `finish`                   | a result is stored and its message acknowledged in one step |
 * | `finishAndRead`            | ... and the next message taken in that same step          |
 * | `recover`                  | a dead consumer's taken messages come back                |
 * | `schedule`/`due`/`nextEta` | calls with an eta survive a crash of the consumer         |
 * | `deadLetter`/`deadLetters` | unknown and malformed messages are kept, with the reason  |
 * | `lease`                    | a periodic minute is enqueued once across many consumers  |
 * | `close`                    | connections and watchers are released at shutdown         |
 * | `traceAppend`/`traceRead`  | `huey trace`: the life of a task, across processes        |
 * | `waiting`, `scheduled`, `claims`, `consumers` | `huey info`/`peek`: what is where, without taking it |
 * | `requeueDeadLetter`/`purgeDeadLetters` | `huey dead-letters requeue` and `purge`       |
 * | `revoke`/`restore`/`revoked`/`revocations` | revoked calls and commands, seen by every consumer |
 * | `lock`/`renewLock`/`unlock`/`isLocked`/`locks`/`flushLocks` | locks across processes (`invoker.lockTask`) |
 *
 * Priorities need no member: a message's priority is in its text
 * (`"priority":5` before `"args"`), and a backend that orders by it reads it
 * with `messagePriority(data)` on `write`. `read`, `readMany` and `waiting`
 * then answer the highest priority first, equal priorities oldest first;
 * messages without one have priority 0.
 *
 * The inspection members (`waiting` to `purgeDeadLetters`, and a store's
 * `count`) only look: none of them takes a message from a consumer.
 * Run `test/backends/contract.ts` against a new backend to prove it.
 *
 * @module
 */

export { messagePriority } from '../core/message.js';

/** Returned by {@link BaseDataStore.get} when the key holds nothing. */
export const EmptyData: unique symbol = Symbol('EmptyData');

/** One message kept in the dead letters, with why it is there. */
export interface DeadLetter {
  /** The message exactly as it was read. */
  data: string;
  /** Why it could not be run, e.g. `QueueException: commands.ghost not found in CommandRegistry`. */
  reason: string;
  /** When it was dead-lettered. */
  at: Date;
}

/** A message waiting for its eta in the backend's schedule. */
export interface ScheduledMessage {
  /** The message as stored. */
  data: string;
  /** When it becomes due. */
  eta: Date;
}

/** A message taken by a consumer and not acknowledged yet: its call is running, or its consumer died. */
export interface ClaimedMessage {
  /** The consumer's id, as in {@link ConsumerInfo.id}. */
  consumer: string;
  /** The message as stored. */
  data: string;
  /** When it was taken, when the backend knows; its age is now minus this. */
  since: Date | null;
}

/** A consumer known to the backend through its heartbeat. */
export interface ConsumerInfo {
  /** The consumer's id, e.g. `<host>:<pid>:<random>`. */
  id: string;
  /** Its host, when known. */
  host?: string | undefined;
  /** Its process id, when known. */
  pid?: number | undefined;
  /** Its last heartbeat, when known. */
  lastBeat: Date | null;
  /** `false` once the backend takes it for dead: its claims are then recovered. */
  alive: boolean;
}

/** A revocation as a backend keeps it: of one call (`task:<id>`) or of a command (`command:<name>`). */
export interface Revocation {
  /** When the revocation ends by itself; `null` for never. */
  until: Date | null;
  /** `true` when it skips one call only: the first consumer to find it takes it away. */
  once: boolean;
}

/** A revocation in force, with what it revokes; what {@link BaseQueue.revocations} lists. */
export interface RevocationEntry extends Revocation {
  /** What is revoked: `task:<id>` or `command:<name>`. */
  key: string;
}

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
   * Forgets a message read with {@link read}: its call is done.
   *
   * @param data - The message exactly as `read` returned it.
   */
  ack?(data: string): Promise<void>;

  /**
   * Takes up to `count` messages from the head of the queue in one step,
   * oldest first, by the rules of {@link read}: each is claimed until
   * acknowledged. A blocking queue waits up to `timeoutMs` for the first
   * one only; it returns what it has then, without waiting for more.
   *
   * @param count - The most messages to take (at least 1).
   * @param timeoutMs - How long a blocking queue may wait; ignored by others.
   * @returns The messages taken, oldest first; empty when there is none (yet).
   */
  readMany?(count: number, timeoutMs?: number): Promise<string[]>;

  /**
   * Stores a call's result in `store` and acknowledges its message, as one
   * step when this queue can write to that store (one Redis script; on
   * files, the claimed message's own file becomes the result's). A crash
   * leaves either both undone or both done, so the message is never
   * acknowledged without its result.
   *
   * @param data - The message exactly as read.
   * @param store - The result store that `key` belongs to.
   * @param key - The result's key.
   * @param value - The encoded result.
   * @returns `true` when both are done; `false` when this queue cannot write
   *   to `store` (another kind, another server or directory) and did
   *   nothing: the caller then calls `store.put` and `ack`.
   */
  finish?(data: string, store: BaseDataStore, key: string, value: string): Promise<boolean>;

  /**
   * {@link finish}, then takes up to `count` more messages by the rules of
   * {@link readMany} without waiting, as one step: a busy consumer refills
   * the slot a call frees in the same round trip that stores its result.
   *
   * @param data - The message exactly as read.
   * @param store - The result store that `key` belongs to.
   * @param key - The result's key.
   * @param value - The encoded result.
   * @param count - The most messages to take (at least 1).
   * @returns The messages taken, oldest first (empty when the queue is
   *   empty); `null` when this queue cannot write to `store` and did
   *   nothing, as when `finish` returns `false`.
   */
  finishAndRead?(data: string, store: BaseDataStore, key: string, value: string, count: number): Promise<string[] | null>;

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

  /** The earliest eta in the schedule, or `null` when it is empty. */
  nextEta?(): Promise<Date | null>;

  /**
   * Keeps a message that cannot be run, with the reason. The consumer
   * acknowledges the message right after, so a crash in between leaves a
   * duplicate dead letter, never a lost message.
   *
   * @param data - The message as read.
   * @param reason - Why it cannot be run.
   */
  deadLetter?(data: string, reason: string): Promise<void>;

  /** The dead letters, oldest first. */
  deadLetters?(): Promise<DeadLetter[]>;

  /**
   * Takes a lease that only one client of this queue can hold until it
   * expires: the consumer takes `periodic:<minute>` before enqueueing that
   * minute's periodic commands, so several consumers enqueue them once.
   *
   * @param key - What the lease is for.
   * @param ttlMs - How long it is held; it is never released early.
   * @returns `true` for the one caller that got it, `false` for every other.
   */
  lease?(key: string, ttlMs: number): Promise<boolean>;

  /** Releases connections, watchers and timers; a blocked `read` returns `null`. */
  close?(): Promise<void>;

  /**
   * Appends one line to the queue's trace. The trace is bounded: the
   * oldest lines go first. A line is one JSON object with `time`, `pid`,
   * `host`, `event` and `payload`; a payload about one task holds its
   * `"taskId"`.
   *
   * @param line - One line of JSON, without a newline.
   */
  traceAppend?(line: string): Promise<void>;

  /**
   * Reads the trace, oldest first.
   *
   * @param taskId - When given, only the lines whose payload's `taskId` is this one.
   * @returns The lines, as appended.
   */
  traceRead?(taskId?: string): Promise<string[]>;

  /**
   * The next messages of the queue, head first, without taking them.
   *
   * @param limit - The most to return; `Infinity` for all.
   */
  waiting?(limit: number): Promise<string[]>;

  /**
   * The scheduled messages, earliest first, without taking them.
   *
   * @param limit - The most to return; `Infinity` for all.
   */
  scheduled?(limit: number): Promise<ScheduledMessage[]>;

  /** The messages taken by consumers and not acknowledged, with who took them and since when. */
  claims?(): Promise<ClaimedMessage[]>;

  /** The consumers the backend knows of (heartbeats), alive or taken for dead. */
  consumers?(): Promise<ConsumerInfo[]>;

  /**
   * Moves one dead letter back to the tail of the queue.
   *
   * @param letter - The dead letter as {@link deadLetters} returned it (its `data` and `at` identify it).
   * @returns `true` when it was moved, `false` when it was no longer there.
   */
  requeueDeadLetter?(letter: DeadLetter): Promise<boolean>;

  /**
   * Deletes every dead letter.
   *
   * @returns How many there were.
   */
  purgeDeadLetters?(): Promise<number>;

  /**
   * Keeps a revocation, replacing one under the same key. Every client of
   * the queue (every consumer) sees it, and it survives their restarts.
   *
   * @param key - What is revoked: `task:<id>` or `command:<name>`.
   * @param revocation - Until when, and whether it skips one call only.
   */
  revoke?(key: string, revocation: Revocation): Promise<void>;

  /**
   * Removes a revocation.
   *
   * @param key - As given to {@link revoke}.
   * @returns `true` when there was one in force.
   */
  restore?(key: string): Promise<boolean>;

  /**
   * What a consumer asks of a call it read: the first of `keys` revoked at
   * `now`. A `once` revocation found is taken away in the same step (of
   * several consumers asking at once, one finds it); one whose `until` has
   * passed counts as absent. This is on every call's path: a backend makes
   * it cheap when nothing is revoked.
   *
   * @param keys - The call's keys, `task:<id>` then `command:<name>`.
   * @param now - The instant to judge `until` by.
   * @returns The key found revoked, or `null`.
   */
  revoked?(keys: string[], now: Date): Promise<string | null>;

  /**
   * The revocations in force at `now`, without taking any.
   *
   * @param now - The instant to judge `until` by.
   */
  revocations?(now: Date): Promise<RevocationEntry[]>;

  /**
   * Takes the lock `name` for `token` when it is free: never taken,
   * released, or its lease ran out. A lease is the guard against a holder
   * that dies: the lock is free again `ttlMs` after its last renewal.
   *
   * @param name - The lock's name.
   * @param token - The holder's unique token.
   * @param ttlMs - How long the lease lasts without a renewal.
   * @returns `true` for the one caller that got it, `false` while it is held.
   */
  lock?(name: string, token: string, ttlMs: number): Promise<boolean>;

  /**
   * Extends the lease of a lock still held by `token`.
   *
   * @returns `false` when `token` no longer holds it (its lease ran out and another took it).
   */
  renewLock?(name: string, token: string, ttlMs: number): Promise<boolean>;

  /**
   * Releases a lock held by `token`; a lock held by another token is left alone.
   *
   * @returns `true` when it was released.
   */
  unlock?(name: string, token: string): Promise<boolean>;

  /** `true` while the lock `name` is held (and its lease runs). */
  isLocked?(name: string): Promise<boolean>;

  /** The names of the locks held now. */
  locks?(): Promise<string[]>;

  /**
   * Releases every lock, whoever holds it (for a restart after a crash, or tests).
   *
   * @returns How many were held.
   */
  flushLocks?(): Promise<number>;
}

/** A key-value store for results (and for the consumer's saved schedule). */
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

  /** Stores `value` under `key`, replacing what was there. */
  abstract put(key: string, value: string): Promise<void>;

  /**
   * Reads the value under `key` and deletes it, in one step.
   *
   * @returns The value, or {@link EmptyData} when there is none.
   */
  abstract get(key: string): Promise<string | typeof EmptyData>;

  /** Reads the value under `key` without deleting it. */
  peek?(key: string): Promise<string | typeof EmptyData>;

  /**
   * Waits until `key` holds a value, for stores that can push.
   *
   * @param key - The key to wait for.
   * @param timeoutMs - The longest wait.
   * @returns `true` when the key holds a value, `false` after the timeout.
   */
  wait?(key: string, timeoutMs: number): Promise<boolean>;

  /** Removes every key. */
  abstract flush(): Promise<void>;

  /** Releases connections and watchers. */
  close?(): Promise<void>;

  /** How many keys the store holds (results waiting to be read), for `huey info`. */
  count?(): Promise<number>;
}
