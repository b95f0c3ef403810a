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
