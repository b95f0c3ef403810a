/**
 * The Redis queue whose reads wait for a message (`BLMOVE`) instead of
 * answering at once.
 *
 * @internal
 * @module
 */
import { RedisQueue } from './queue.js';

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
