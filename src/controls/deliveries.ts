/**
 * Deliveries: how many times one attempt of a call was handed to a
 * consumer. At-least-once delivery means a call can come again (its
 * consumer died, lost its claim, or stopped and put it back); counting
 * makes that visible (`currentTask().deliveries`, the trace, one log line)
 * and lets the consumer dead-letter a call that never finishes
 * (`MAX_DELIVERIES`). A queue may count them itself, where it keeps the
 * message (`backends/deliveries.ts`); otherwise they are counted here, on
 * the control store's `putIfEmpty`: the n-th consumer to take the attempt
 * is the one whose `delivery:<id>:<attempt>:<n>` goes in.
 *
 * @module
 */
import type { BaseQueue } from '../backends/base.js';
import { countsDeliveries } from '../backends/deliveries.js';

/** How long a delivery is remembered: longer than any call is expected to run and come back. */
const DELIVERY_TTL_MS = 24 * 3600 * 1000;

const deliveryKey = (taskId: string, attempt: number, n: number): string => `delivery:${taskId}:${attempt}:${n}`;

/** One attempt of a call, as deliveries are counted. */
export interface Attempt {
  readonly taskId: string;
  readonly attempt: number;
}

/**
 * Counts this delivery of one attempt of a call: the queue's own count
 * when it keeps one (`backends/deliveries.ts`), else in its control store;
 * a queue with neither cannot count, and every delivery is 1.
 *
 * @param data - The message as read.
 * @param limit - Stop counting past this many: the caller dead-letters the call then.
 * @returns The delivery's number: 1 the first time, then 2, ...; at most `limit + 1`.
 */
export async function countDelivery(queue: BaseQueue, data: string, call: Attempt, limit: number): Promise<number> {
  if (countsDeliveries(queue)) return Math.min(await queue.deliveries(data), limit + 1);
  const store = queue.controlStore;
  if (store === undefined) return 1;
  for (let n = 1; n <= limit; n++) if (await store.putIfEmpty(deliveryKey(call.taskId, call.attempt, n), '', DELIVERY_TTL_MS)) return n;
  return limit + 1;
}

/** Forgets the deliveries of an attempt once its call is settled, so nothing of it waits a day for its time to live. */
export async function forgetDeliveries(queue: BaseQueue, call: Attempt, count: number): Promise<void> {
  if (countsDeliveries(queue)) return;
  for (let n = 1; n <= count; n++) await queue.controlStore?.get(deliveryKey(call.taskId, call.attempt, n));
}
