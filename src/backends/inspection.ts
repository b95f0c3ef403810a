/**
 * Inspection: what `huey info`, `huey trace`, `huey peek` and `huey web`
 * ask of a backend to show what is where, without taking anything from a
 * consumer. Optional: a queue without it runs calls as well, and those
 * commands say it cannot be looked into.
 *
 * @module
 */
import type { BaseDataStore, BaseQueue } from './base.js';

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
  /** How many times it was delivered, this time included, when the backend counts them (see `deliveries.ts`). */
  deliveries?: number;
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

/** A queue that can be looked into, and keeps the trace of its tasks. */
export interface Inspection {
  /** The consumer id this queue object's own claims are listed under in {@link claims}, when it has one. */
  readonly consumerId?: string;

  /**
   * The next messages of the queue, head first, without taking them.
   *
   * @param limit - The most to return; `Infinity` for all.
   */
  waiting(limit: number): Promise<string[]>;

  /**
   * The scheduled messages, earliest first, without taking them.
   *
   * @param limit - The most to return; `Infinity` for all.
   */
  scheduled(limit: number): Promise<ScheduledMessage[]>;

  /** The messages taken by consumers and not acknowledged, with who took them and since when. */
  claims(): Promise<ClaimedMessage[]>;

  /** The consumers the backend knows of (heartbeats), alive or taken for dead. */
  consumers(): Promise<ConsumerInfo[]>;

  /**
   * Appends one line to the queue's trace. The trace is bounded: the
   * oldest lines go first. A line is one JSON object with `time`, `pid`,
   * `host`, `event` and `payload`; a payload about one task holds its
   * `"taskId"`.
   *
   * @param line - One line of JSON, without a newline.
   */
  traceAppend(line: string): Promise<void>;

  /**
   * Reads the trace, oldest first.
   *
   * @param taskId - When given, only the lines that {@link mentionsTask} this one.
   * @returns The lines, as appended.
   */
  traceRead(taskId?: string): Promise<string[]>;
}

/** A data store that can say how many keys it holds (results waiting to be read), for `huey info`. */
export interface StoreInspection {
  /** How many keys the store holds. */
  count(): Promise<number>;
}

const INSPECTION = ['waiting', 'scheduled', 'claims', 'consumers', 'traceAppend', 'traceRead'] as const;

/** `true` when `queue` implements every member of {@link Inspection}. */
export const canInspect = (queue: BaseQueue): queue is BaseQueue & Inspection =>
  INSPECTION.every((member) => typeof (queue as Partial<Inspection>)[member] === 'function');

/** `true` when `store` implements {@link StoreInspection}. */
export const canCount = (store: BaseDataStore): store is BaseDataStore & StoreInspection => typeof (store as Partial<StoreInspection>).count === 'function';

/**
 * Tells whether a trace line is about `taskId`: its payload's `taskId`.
 * Backends filter with it; it looks at the text, so it does not parse lines
 * of other tasks.
 */
export function mentionsTask(line: string, taskId: string): boolean {
  return line.includes(`"taskId":${JSON.stringify(taskId)}`);
}
