/**
 * Where the consumer keeps calls with a future eta: the backend's own
 * schedule (durable, shared by every consumer of the queue), or huey 0.2's
 * in-memory one saved to the task store.
 *
 * @internal
 * @module
 */
import type { BaseQueue } from '../backends/base.js';
import type { CommandSchedule } from '../schedule.js';

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

export function backendSchedule(queue: Required<Pick<BaseQueue, 'schedule' | 'due' | 'nextEta'>>): Schedule {
  return {
    claims: true,
    add: (data, eta) => queue.schedule(data, eta),
    due: (now, limit) => queue.due(now, limit),
    nextEta: () => queue.nextEta(),
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
