/**
 * The key names of one Redis queue, as the key table of
 * `huey/backends/redis` lists them. The `recover` script builds the
 * processing and heartbeat keys of other consumers from `base` the same
 * way.
 *
 * @internal
 * @module
 */

/** The keys of one queue, seen by one consumer. */
export interface QueueKeys {
  /** The waiting messages, `<prefix>{<name>}`. */
  readonly queue: string;
  /** What every other key of the queue starts with, `<prefix>{<name>}.`. */
  readonly base: string;
  /** This consumer's processing list. */
  readonly processing: string;
  /** This consumer's heartbeat. */
  readonly heartbeat: string;
  /** The consumers that have taken messages. */
  readonly consumers: string;
  /** The scheduled messages. */
  readonly schedule: string;
  /** The dead letters. */
  readonly dead: string;
  /** The trace stream. */
  readonly trace: string;
  /** The priorities other than 0 that have waiting messages (a sorted set; each has the list `<base>priority.<p>`). */
  readonly priorities: string;
  /** The revocations, a hash: key to `<until ms or empty>:<once 0|1>`. */
  readonly revoked: string;
  /** The names of the locks taken (each held in `<base>lock.<name>`). */
  readonly locks: string;
}

/** The keys of the queue `<prefix>{<tag>}` for the consumer `consumerId`. */
export function queueKeys(prefix: string, tag: string, consumerId: string): QueueKeys {
  const queue = `${prefix}{${tag}}`;
  const base = `${queue}.`;
  return {
    queue,
    base,
    processing: processingKey(base, consumerId),
    heartbeat: heartbeatKey(base, consumerId),
    consumers: `${base}consumers`,
    schedule: `${base}schedule`,
    dead: `${base}dead`,
    trace: `${base}trace`,
    priorities: `${base}priorities`,
    revoked: `${base}revoked`,
    locks: `${base}locks`,
  };
}

/** The processing list of any consumer of the queue whose keys start with `base`. */
export function processingKey(base: string, consumerId: string): string {
  return `${base}processing.${consumerId}`;
}

/** The heartbeat of any consumer of the queue whose keys start with `base`. */
export function heartbeatKey(base: string, consumerId: string): string {
  return `${base}heartbeat.${consumerId}`;
}

/** The key of a lease, e.g. `periodic:<minute>`. */
export function leaseKey(base: string, key: string): string {
  return `${base}lease.${key}`;
}

/** The list of the waiting messages of one priority other than 0, as written in the messages (e.g. `5`, `-0.5`). */
export function levelKey(base: string, priority: string): string {
  return `${base}priority.${priority}`;
}

/** The key of a lock: its holder's token, with the lease as its time to live. */
export function lockKey(base: string, name: string): string {
  return `${base}lock.${name}`;
}
