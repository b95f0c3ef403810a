/**
 * The options of a Redis queue, and what a queue object is made of once
 * they are checked: its connection, keys and settings, in one object that
 * the queue's parts (`./consuming.ts`, `./fast-path.ts`, `./writes.ts`)
 * share instead of reaching into the queue.
 *
 * @internal
 * @module
 */
import * as check from '../../core/validate.js';
import { DEFAULTS, connect, withScripts, type ParsedConnection, type RedisClient, type RedisConnectionOptions } from './connection.js';
import { newConsumerId } from './consumer-id.js';
import { queueKeys, type QueueKeys } from './keys.js';
import type { ScriptCommands } from './lua.js';

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

/** The names the queue adds to the connection's options, for rejecting typos. */
export const QUEUE_KEYS = ['heartbeat', 'prefetch', 'waitForReplicas'] as const;

/** What one queue object is, decided once in its constructor: its connection, keys and settings. */
export interface QueueLink {
  readonly client: RedisClient & ScriptCommands;
  readonly keys: QueueKeys;
  /** The queue's name, as errors name it. */
  readonly name: string;
  /** The name as it appears in the hash tag. */
  readonly tag: string;
  /** This queue object's consumer id, `<host>:<pid>:<random>`. */
  readonly consumerId: string;
  readonly heartbeatMs: number;
  readonly commandTimeoutMs: number;
  /** How many messages one claim takes at least. */
  readonly prefetch: number;
  /** How many replicas confirm a write before it resolves (0: no wait). */
  readonly waitForReplicas: number;
  /** Whether the queue object made the client, and so closes it. */
  readonly owned: boolean;
  readonly onError: ((error: Error) => void) | undefined;
}

/**
 * Checks the queue's own options and connects: the rest of the
 * constructor, after the connection's options were checked.
 *
 * @throws ConfigurationError when an option is of the wrong kind.
 */
export function openQueue(name: string, tag: string, parsed: ParsedConnection, options: RedisQueueOptions): QueueLink {
  const heartbeatMs = Math.round(check.seconds('heartbeat', options.heartbeat, DEFAULTS.heartbeat) * 1000);
  if (heartbeatMs < 30) check.expected('heartbeat', 'at least 0.03 seconds', options.heartbeat);
  const prefetch = check.positiveInteger('prefetch', options.prefetch, DEFAULTS.prefetch);
  const waitForReplicas = check.nonNegativeInteger('waitForReplicas', options.waitForReplicas, 0);
  const consumerId = newConsumerId();
  const { client, owned } = connect(parsed);
  return {
    client: withScripts(client),
    keys: queueKeys(parsed.prefix, tag, consumerId),
    name,
    tag,
    consumerId,
    heartbeatMs,
    commandTimeoutMs: parsed.commandTimeoutMs,
    prefetch,
    waitForReplicas,
    owned,
    onError: options.onError,
  };
}
