/**
 * What a backend can do faster than the verbs of `base.ts`: each an
 * optional interface of its own. The consumer asks for each by name (the
 * guards below) and, without it, does the same with the plain verbs.
 *
 * | interface       | instead of                        | buys                                   |
 * |-----------------|-----------------------------------|----------------------------------------|
 * | {@link ReadMany}      | one `read` a free slot      | all free slots filled with one claim    |
 * | {@link Finish}        | `store.put`, then `ack`     | the result stored and the message acknowledged in one step |
 * | {@link FinishAndRead} | `finish`, then `readMany`   | ... and the freed slot refilled in that same step |
 * | {@link NextEta}       | asking `due` every 50 ms    | an idle consumer sleeps until the next eta |
 * | {@link PushedResults} | asking the store with backoff | a blocking `get()` wakes the moment its result lands |
 * | {@link WriteMany}     | one `write` a message       | `fn.map(...)` writes every call in one round trip |
 *
 * @module
 */
import type { BaseDataStore, BaseQueue } from './base.js';

/** A queue that writes several messages in one step. */
export interface WriteMany {
  /**
   * Writes `data`, in order, by the rules of `write`, in one round trip
   * (on Redis one pipeline, followed by its `WAIT` when the queue asks for
   * replicas).
   *
   * @param data - The encoded messages.
   */
  writeMany(data: readonly string[]): Promise<void>;
}

/** Tells whether `queue` writes several messages in one step. */
export const canWriteMany = (queue: BaseQueue): queue is BaseQueue & WriteMany => typeof (queue as Partial<WriteMany>).writeMany === 'function';

/** A queue that takes several messages in one step. */
export interface ReadMany {
  /**
   * Takes up to `count` messages from the head of the queue in one step,
   * by the rules of `read`: each is claimed until acknowledged. A blocking
   * queue waits up to `timeoutMs` for the first one only; it returns what
   * it has then, without waiting for more.
   *
   * @param count - The most messages to take (at least 1).
   * @param timeoutMs - How long a blocking queue may wait; ignored by others.
   * @returns The messages taken, head first; empty when there is none (yet).
   */
  readMany(count: number, timeoutMs?: number): Promise<string[]>;
}

/** A queue that stores a result and acknowledges its message as one step. */
export interface Finish {
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
  finish(data: string, store: BaseDataStore, key: string, value: string): Promise<boolean>;
}

/** A queue that finishes a call and takes the next messages in the same step. */
export interface FinishAndRead extends Finish {
  /**
   * {@link Finish.finish}, then takes up to `count` more messages by the
   * rules of {@link ReadMany.readMany} without waiting, as one step: a busy
   * consumer refills the slot a call frees in the same round trip that
   * stores its result.
   *
   * @returns The messages taken, head first (empty when the queue is
   *   empty); `null` when this queue cannot write to `store` and did
   *   nothing, as when `finish` returns `false`.
   */
  finishAndRead(data: string, store: BaseDataStore, key: string, value: string, count: number): Promise<string[] | null>;
}

/** A queue that tells when its schedule's next message is due. */
export interface NextEta {
  /** The earliest eta in the schedule, or `null` when it is empty. */
  nextEta(): Promise<Date | null>;
}

/** A store that can tell a waiting reader the moment a key is written. */
export interface PushedResults {
  /**
   * Waits until `key` holds a value.
   *
   * @param key - The key to wait for.
   * @param timeoutMs - The longest wait.
   * @returns `true` when the key holds a value, `false` after the timeout.
   */
  wait(key: string, timeoutMs: number): Promise<boolean>;
}

const has = (backend: object, member: string): boolean => typeof (backend as Record<string, unknown>)[member] === 'function';

/** `true` when `queue` implements {@link ReadMany}. */
export const canReadMany = (queue: BaseQueue): queue is BaseQueue & ReadMany => has(queue, 'readMany');
/** `true` when `queue` implements {@link Finish}. */
export const canFinish = (queue: BaseQueue): queue is BaseQueue & Finish => has(queue, 'finish');
/** `true` when `queue` implements {@link FinishAndRead}. */
export const canFinishAndRead = (queue: BaseQueue): queue is BaseQueue & FinishAndRead => has(queue, 'finishAndRead');
/** `true` when `queue` implements {@link NextEta}. */
export const canTellNextEta = (queue: BaseQueue): queue is BaseQueue & NextEta => has(queue, 'nextEta');
/** `true` when `store` implements {@link PushedResults}. */
export const canPushResults = (store: BaseDataStore): store is BaseDataStore & PushedResults => has(store, 'wait');
