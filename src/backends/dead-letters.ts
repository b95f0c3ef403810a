/**
 * Dead letters as a backend may keep them itself (a folder of files, a
 * Redis list), instead of the generic ones of `controls/dead-letters.ts`
 * (kept in the queue's control store, one key a letter).
 *
 * @module
 */
import type { BaseQueue } from './base.js';

/** One message kept in the dead letters, with why it is there. */
export interface DeadLetter {
  /** The message exactly as it was read. */
  data: string;
  /** Why it could not be run, e.g. `QueueException: commands.ghost not found in CommandRegistry`. */
  reason: string;
  /** When it was dead-lettered. */
  at: Date;
}

/** Messages that cannot be run, kept with the reason. */
export interface DeadLetters {
  /**
   * Keeps a message that cannot be run, with the reason. The consumer
   * acknowledges the message right after, so a crash in between leaves a
   * duplicate dead letter, never a lost message.
   *
   * @param data - The message as read.
   * @param reason - Why it cannot be run.
   */
  deadLetter(data: string, reason: string): Promise<void>;

  /** The dead letters, oldest first. */
  deadLetters(): Promise<DeadLetter[]>;

  /**
   * Moves one dead letter back to the tail of the queue.
   *
   * @param letter - The dead letter as {@link deadLetters} returned it (its `data` and `at` identify it).
   * @returns `true` when it was moved, `false` when it was no longer there.
   */
  requeueDeadLetter(letter: DeadLetter): Promise<boolean>;

  /**
   * Deletes every dead letter.
   *
   * @returns How many there were.
   */
  purgeDeadLetters(): Promise<number>;
}

/** `true` when `queue` keeps {@link DeadLetters} itself. */
export const keepsDeadLetters = (queue: BaseQueue): queue is BaseQueue & DeadLetters => typeof (queue as Partial<DeadLetters>).deadLetter === 'function';
