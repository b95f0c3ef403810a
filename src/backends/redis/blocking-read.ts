/**
 * The connection a blocking queue waits on. `BLMOVE` occupies a connection
 * while it waits, so it gets one of its own, which `close()` can end at
 * once with `CLIENT UNBLOCK` sent on the queue's main connection.
 *
 * @internal
 * @module
 */
import { duplicate, isCluster, type RedisClient } from './connection.js';

/** What a {@link BlockingRead} needs of its queue. */
export interface BlockingReadOptions {
  /** The queue's main connection: the one duplicated, and the one that sends `CLIENT UNBLOCK`. */
  client: RedisClient;
  /** How long a reply may be late before the connection counts as lost, in ms. */
  commandTimeoutMs: number;
  /** Called with each connection error. */
  onError: ((error: Error) => void) | undefined;
  /** Called when the connection dropped or was thrown away: a move's reply may have been lost with it. */
  onSuspect: () => void;
}

/** One blocking connection and the moves made on it. */
export class BlockingRead {
  readonly #options: BlockingReadOptions;
  #connection: RedisClient | undefined;
  /** The connection's id on the server, for `CLIENT UNBLOCK`. */
  #id: number | undefined;

  /** @param options - The queue's connection, timeout and callbacks. */
  constructor(options: BlockingReadOptions) {
    this.#options = options;
  }

  /**
   * The connection for blocking reads, connected, with its server-side
   * client id known, so that {@link stop} can end a wait with `CLIENT UNBLOCK`.
   */
  async connect(): Promise<RedisClient> {
    if (this.#connection !== undefined) return this.#connection;
    const { client, onError, onSuspect } = this.#options;
    const blocking = duplicate(client, onError);
    this.#connection = blocking;
    blocking.on('reconnecting', onSuspect);
    if (!isCluster(blocking)) {
      let known: Promise<void> = Promise.resolve();
      blocking.on('ready', () => {
        this.#id = undefined;
        // after a reconnect this queues behind the re-sent BLMOVE and may answer late; stop() then falls back to disconnecting
        known = blocking.client('ID').then(
          (id) => void (this.#id = id),
          (error: Error) => onError?.(error),
        );
      });
      await blocking.connect();
      await known;
    }
    return blocking;
  }

  /**
   * Moves the head of `from` to the head of `to` (`BLMOVE from to RIGHT
   * LEFT`), waiting up to `timeoutMs` for one.
   *
   * @returns The message moved, or `null` when none came in time.
   */
  async move(from: string, to: string, timeoutMs: number): Promise<string | null> {
    const blocking = await this.connect();
    // A wait that outlives its timeout by a command timeout has lost its
    // connection (a dead peer, a reply that never comes): the connection is
    // thrown away, which rejects the wait, and a new one is made next time.
    // Whatever the server moved for it is put back by the queue's reclaim.
    const watchdog = setTimeout(() => {
      if (this.#connection !== blocking) return;
      this.#connection = undefined;
      this.#options.onSuspect();
      blocking.disconnect();
    }, timeoutMs + this.#options.commandTimeoutMs);
    try {
      return await blocking.blmove(from, to, 'RIGHT', 'LEFT', timeoutMs / 1000);
    } finally {
      clearTimeout(watchdog);
    }
  }

  /**
   * Ends a waiting BLMOVE at once and closes the connection. `CLIENT
   * UNBLOCK` ends it on the server before its reply: only disconnecting
   * could leave the server serving a message to the closed connection
   * after the queue's release has run (it notices the disconnect a moment
   * later). That message is not lost (`recover()` finds it), but it would
   * wait there until then.
   *
   * @returns `true` when no move can land any more: there was no wait, or it was ended on the server.
   */
  async stop(): Promise<boolean> {
    const blocking = this.#connection;
    if (blocking === undefined) return true;
    try {
      if (this.#id === undefined) return false;
      await this.#options.client.client('UNBLOCK', this.#id);
      return true;
    } catch (error) {
      // Redis is down: disconnecting is all there is to do
      this.#options.onError?.(error as Error);
      return false;
    } finally {
      blocking.disconnect();
    }
  }
}
