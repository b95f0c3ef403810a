/**
 * A running call's latest progress, kept in the queue's control store
 * under `progress:<task id>`, so the producer reads it where the call
 * reports it, on any backend and across processes.
 *
 * @module
 */
import { EmptyData, type BaseQueue } from '../backends/base.js';
import { decodeValue } from '../core/value.js';
import { ConfigurationError } from '../exceptions.js';

/** How long the latest progress of a call is kept after its last report. */
export const PROGRESS_TTL_MS = 24 * 3600 * 1000;

/** The key of a call's latest progress in the queue's control store. */
export const progressKey = (taskId: string): string => `progress:${taskId}`;

/**
 * The latest progress a call reported, or `undefined` before its first report.
 *
 * @throws ConfigurationError for a queue without a control store.
 */
export async function readProgress(queue: BaseQueue, taskId: string): Promise<unknown> {
  const store = queue.controlStore;
  if (store === undefined) throw new ConfigurationError(`Queue "${queue.name}" (${queue.constructor.name}) keeps no progress: give it a controlStore (backends/base.ts)`);
  const found = await store.peek(progressKey(taskId));
  return found === EmptyData ? undefined : decodeValue(JSON.parse(found));
}
