/**
 * One look at the whole queue, as the live page draws it: the counts of
 * `huey info`, the oldest waiting calls, the schedule, the calls in flight,
 * the dead letters, and how many calls left the queue lately.
 *
 * @internal
 * @module
 */
import { readProgress } from '../controls/progress.js';
import { canInspect } from '../backends/inspection.js';
import { deadLettersOf } from '../controls/dead-letters.js';
import type { BaseQueue } from '../backends/base.js';
import { info, reach, type Backends } from '../observe/inspection.js';
import { decodeMessage } from '../core/message.js';
import { messageId } from '../observe/trace.js';

/** How many waiting calls, scheduled calls and dead letters the page lists: the oldest ones. */
export const LISTED = 50;

/** One call as the page lists it. */
export interface ListedCall {
  id: string | undefined;
  command: string;
  /** The arguments as JSON, cut to {@link ARGS_SHOWN} characters. */
  args: string;
  enqueuedAt: Date | null;
}

/** How much of a call's arguments the page shows. */
const ARGS_SHOWN = 60;

/** Everything the live page shows, from one look at the backend. */
export interface Snapshot {
  /** When the look started (the server's clock: the page computes ages from it). */
  polledAt: Date;
  /** Exactly what `GET /api/info` (and `huey info --json`) answers. */
  info: Record<string, unknown>;
  waiting: ListedCall[];
  scheduled: (ListedCall & { eta: Date })[];
  inFlight: (ListedCall & { consumer: string; since: Date | null; deliveries: number | null; progress: unknown })[];
  deadLetters: (ListedCall & { reason: string; at: Date })[];
  throughput: ThroughputSeries;
}

/** Calls that left the queue, counted per bucket, oldest bucket first. */
export interface ThroughputSeries {
  bucketMs: number;
  /** The start of the last (current) bucket. */
  lastBucketAt: Date;
  counts: number[];
}

/** A call of a raw message, for the lists; an unreadable message keeps its id when it has one. */
function listed(data: string): ListedCall {
  try {
    const message = decodeMessage(data);
    const args = JSON.stringify(message.args) ?? '[]';
    return {
      id: message.id,
      command: message.command,
      args: args.length > ARGS_SHOWN ? `${args.slice(0, ARGS_SHOWN - 1)}…` : args,
      enqueuedAt: message.enqueuedAt,
    };
  } catch (error) {
    return { id: messageId(data), command: `(unreadable: ${(error as Error).message})`, args: '', enqueuedAt: null };
  }
}

/**
 * The queue seen through one look: a method called twice with the same
 * arguments (`huey info` and the lists both read the claims, the schedule
 * and the dead letters) asks the backend once.
 */
function oncePerLook(queue: BaseQueue): BaseQueue {
  const answers = new Map<string, Promise<unknown>>();
  return new Proxy(queue, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'constructor') return value;
      return (...args: unknown[]) => {
        const key = `${String(property)}(${args.map(String).join(',')})`;
        let answer = answers.get(key);
        if (answer === undefined) {
          answer = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          answers.set(key, answer);
        }
        return answer;
      };
    },
  });
}

/**
 * Counts the calls that left the queue: ids seen waiting or in flight at
 * one look and nowhere (waiting, scheduled, in flight, dead) at the next.
 * The poller sees the oldest {@link LISTED} waiting calls, the head that
 * consumers take from; a call enqueued and finished between two looks is
 * not seen.
 */
export class Throughput {
  readonly #bucketMs: number;
  readonly #buckets: number;
  readonly #counts = new Map<number, number>();
  #tracked = new Set<string>();

  /**
   * @param bucketMs - The width of one bar of the chart.
   * @param buckets - How many bars.
   */
  constructor(bucketMs = 10_000, buckets = 30) {
    this.#bucketMs = bucketMs;
    this.#buckets = buckets;
  }

  /** Forgets the ids followed: calls that leave while nobody looks are not counted when looking starts again. */
  forget(): void {
    this.#tracked = new Set();
  }

  /** Records one look: `tracked` are the ids to follow, `present` every id seen anywhere. */
  observe(now: Date, tracked: Set<string>, present: Set<string>): ThroughputSeries {
    let left = 0;
    for (const id of this.#tracked) if (!present.has(id)) left++;
    this.#tracked = tracked;
    const last = Math.floor(now.getTime() / this.#bucketMs) * this.#bucketMs;
    this.#counts.set(last, (this.#counts.get(last) ?? 0) + left);
    const counts: number[] = [];
    for (let i = this.#buckets - 1; i >= 0; i--) counts.push(this.#counts.get(last - i * this.#bucketMs) ?? 0);
    for (const at of this.#counts.keys()) if (at <= last - this.#buckets * this.#bucketMs) this.#counts.delete(at);
    return { bucketMs: this.#bucketMs, lastBucketAt: new Date(last), counts };
  }
}

/**
 * Takes one look at the backends. Each list uses an optional member of the
 * backend contract and is empty when the backend lacks it (`info` says
 * `null` for those).
 *
 * @param backends - The queue and result store.
 * @param throughput - Where calls that left the queue are counted.
 * @param now - The time of the look.
 * @throws QueueException when the backend cannot be reached.
 */
export async function takeSnapshot(backends: Backends, throughput: Throughput, now: Date): Promise<Snapshot> {
  const queue = oncePerLook(backends.queue);
  const look = { queue, store: backends.store };
  const [data, waiting, scheduled, claims, dead] = await reach(backends.queue, () =>
    Promise.all([
      info(look, now),
      canInspect(queue) ? queue.waiting(LISTED) : [],
      canInspect(queue) ? queue.scheduled(Infinity) : [],
      canInspect(queue) ? queue.claims() : [],
      deadLettersOf(queue)?.deadLetters() ?? [],
    ]),
  );
  const ids = (raws: string[]): string[] => raws.map(messageId).filter((id): id is string => id !== undefined);
  const tracked = new Set([...ids(waiting), ...ids(claims.map((c) => c.data))]);
  const present = new Set([...tracked, ...ids(scheduled.map((s) => s.data)), ...ids(dead.map((d) => d.data))]);
  return {
    polledAt: now,
    info: data,
    waiting: waiting.map(listed),
    scheduled: scheduled.slice(0, LISTED).map((s) => ({ ...listed(s.data), eta: s.eta })),
    inFlight: await Promise.all(claims.slice(0, LISTED).map(async (c) => ({ ...listed(c.data), consumer: c.consumer, since: c.since, deliveries: c.deliveries ?? null, progress: await progressOf(backends.queue, c.data) }))),
    deadLetters: dead.slice(0, LISTED).map((d) => ({ ...listed(d.data), reason: d.reason, at: d.at })),
    throughput: throughput.observe(now, tracked, present),
  };
}

/** The latest progress of the call of a message in flight, when its queue keeps progress. */
async function progressOf(queue: BaseQueue, data: string): Promise<unknown> {
  const id = messageId(data);
  return id === undefined || queue.controlStore === undefined ? undefined : readProgress(queue, id);
}
