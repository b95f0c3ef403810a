/**
 * Priorities on files: a waiting message's file name starts with its
 * priority, so a sorted listing of `ready/` is already the order of reads.
 *
 * - Priority 0 (the usual case) keeps the plain name `<ms>-<seq>-<proc>.json`,
 *   which starts with a digit.
 * - A higher priority starts with `+` (which sorts before digits), a lower
 *   one with `~` (after them); then 16 hex digits that sort the other way
 *   round from the priority, so higher priorities come first:
 *   `+3ff7ffffffffffff-<ms>-<seq>-<proc>.json` is priority 5... and one `-`.
 *
 * A reader takes names from a listing it keeps, so a message of higher
 * priority written after that listing would wait behind it. A writer of
 * such a message therefore appends one byte to `priority.hint` in the
 * queue's directory, after its file is in `ready/`; a reader whose
 * remembered size of that file differs lists again. With no priorities in
 * use the file does not exist, and the check is one failed `stat`.
 *
 * @internal
 * @module
 */
import { appendFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { messagePriority } from '../../core/message.js';
import { sortableName } from './common.js';

/** 16 hex digits that sort as `-priority` does: the IEEE 754 bits, the sign flipped (or all bits, for negatives). */
function descendingKey(priority: number): string {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(-priority);
  if ((bytes[0]! & 0x80) !== 0) for (let i = 0; i < 8; i++) bytes[i] = ~bytes[i]! & 0xff;
  else bytes[0] = bytes[0]! | 0x80;
  return bytes.toString('hex');
}

/** The name under which `data` waits in `ready/`: its priority first, then the first-in, first-out part. */
export function readyName(data: string): string {
  const priority = messagePriority(data);
  if (priority === 0) return `${sortableName()}.json`;
  return `${priority > 0 ? '+' : '~'}${descendingKey(priority)}-${sortableName()}.json`;
}

/** `true` when a message of this priority must make readers list `ready/` again. */
export const jumpsAhead = (data: string): boolean => messagePriority(data) > 0;

/** The `priority.hint` file of one queue: raised by writers of higher priorities, watched by readers. */
export class PriorityHint {
  readonly #file: string;
  /** The size seen before the reader's last listing; -1 for no file. */
  #seen = -1;

  /** @param file - `<queue dir>/priority.hint`. */
  constructor(file: string) {
    this.#file = file;
  }

  /** Tells readers that a message of higher priority is in `ready/`. */
  async raise(): Promise<void> {
    await appendFile(this.#file, '+');
  }

  /**
   * The hint's size now, to remember with a new listing.
   *
   * @returns -1 when no hint was ever raised.
   */
  size(): number {
    return statSync(this.#file, { throwIfNoEntry: false })?.size ?? -1;
  }

  /** `true` when the hint changed since {@link PriorityHint.listed} was last called: list again. */
  changed(): boolean {
    return this.size() !== this.#seen;
  }

  /** Records the size read just before a listing. */
  listed(size: number): void {
    this.#seen = size;
  }
}
