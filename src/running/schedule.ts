/**
 * Where the consumer keeps calls with a future eta: the backend's own
 * schedule (durable, shared by every consumer of the queue), or huey 0.2's
 * in-memory one saved to the task store.
 *
 * @internal
 * @module
 */
import { canTellNextEta, type NextEta } from '../backends/fast-path.js';
import type { BaseQueue } from '../backends/base.js';
import type { Invoker } from '../invoker/invoker.js';
import { CommandSchedule } from '../invoker/schedule.js';
import type { Logger } from './logger.js';

/** Where the consumer keeps calls with a future eta: the backend's own schedule, or huey 0.2's in-memory one. */
export interface Schedule {
  /** `true` when taken messages are claims to acknowledge in the queue. */
  readonly claims: boolean;
  add(data: string, eta: Date): Promise<void>;
  due(now: Date, limit: number): Promise<string[]>;
  nextEta(): Promise<Date | null>;
  /** Called when a taken message's call is done. */
  done(data: string): Promise<void>;
  save(): Promise<void>;
}

/** How often the schedule of a backend that cannot tell its next eta is asked for due calls. */
const DUE_POLL_MS = 50;

/** The backend's own schedule; without {@link NextEta}, asked every {@link DUE_POLL_MS}. */
export function backendSchedule(queue: BaseQueue & Required<Pick<BaseQueue, 'schedule' | 'due'>>): Schedule {
  return {
    claims: true,
    add: (data, eta) => queue.schedule(data, eta),
    due: (now, limit) => queue.due(now, limit),
    nextEta: async () => (canTellNextEta(queue) ? queue.nextEta() : new Date(Date.now() + DUE_POLL_MS)),
    done: async () => {},
    save: async () => {},
  };
}

/** huey 0.2's way: the schedule in memory, saved to the task store on every change. */
export function memorySchedule(schedule: CommandSchedule): Schedule {
  const taken = new Set<string>();
  // The saved copy keeps taken calls until they are done, so a crash mid-call loses nothing.
  const save = (): Promise<void> => schedule.save([...taken]);
  return {
    claims: false,
    add: async (data, eta) => {
      schedule.add(data, eta);
      await save();
    },
    due: async (now, limit) => {
      const due = schedule.due(now, limit);
      for (const data of due) taken.add(data);
      return due;
    },
    nextEta: async () => schedule.nextEta(),
    done: async (data) => {
      taken.delete(data);
      await save();
    },
    save,
  };
}

/**
 * The schedule of `invoker`'s queue: the backend's own when it has one,
 * else huey 0.2's in-memory one, loaded from the task store.
 */
export async function openSchedule(invoker: Invoker, log: Logger): Promise<Schedule> {
  const queue = invoker.queue;
  if (queue.schedule && queue.due) return backendSchedule(queue as BaseQueue & Required<Pick<BaseQueue, 'schedule' | 'due'>>);
  const saved = new CommandSchedule(invoker);
  for (const data of await saved.load()) log.error(`QueueReadException: unreadable entry in the saved schedule, skipped: ${data}`);
  if (saved.size > 0) log.info(`loaded ${saved.size} scheduled calls from the task store`);
  return memorySchedule(saved);
}
