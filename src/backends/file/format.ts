/**
 * What the files of the file backend are named and what they hold, in one place.
 *
 * - A message file is named `<something>.json`, not starting with a dot;
 *   anything else in a queue's directories (an editor's backup, a note) is
 *   left alone. A scheduled one's name starts with its eta in ms.
 * - A message file holds the message on its first line. Messages never hold
 *   a raw newline (huey's are JSON), so the first line is the whole message.
 *   A line may follow it: `FileQueue.finish` appends the result to the
 *   claimed file before renaming it into the store; a crash between the two
 *   leaves the message readable, and recovery runs it again.
 * - A value file (a result store's) holds the message that produced the
 *   value on its first line (empty when the value was written by `put`),
 *   and the value after the first newline. A file without a newline (made
 *   by hand) is all value.
 *
 * @internal
 * @module
 */
import { expected } from '../../core/validate.js';
import { TIME_WIDTH } from './common.js';

/** A message file: anything else in a directory (an editor's backup, a note) is left alone. */
export const isMessage = (name: string): boolean => name.endsWith('.json') && !name.startsWith('.');

const SCHEDULED = new RegExp(`^\\d{${TIME_WIDTH}}-.*\\.json$`);

/** A file of `schedule/`: a message file whose name starts with its eta. */
export const isScheduled = (name: string): boolean => SCHEDULED.test(name);

/** The eta (or any instant) a file's name starts with, in ms. */
export const etaOf = (name: string): number => Number(name.slice(0, TIME_WIDTH));

const STAMPED = new RegExp(`^\\d{${TIME_WIDTH}}-`);

/** When a file named by `sortableName` (temp files, messages) was named, in ms; `undefined` for other names. */
export const namedAt = (name: string): number | undefined => (STAMPED.test(name) ? etaOf(name) : undefined);

const NEWLINE = 0x0a;

/**
 * The line a message file gets each time it goes back to `ready/` without
 * its call having finished (a dead consumer's recovery, a consumer's
 * shutdown): its deliveries are one more than these lines. Readers take
 * the first line alone, so the lines change nothing else.
 */
export const RETURNED = '\n#returned';

/** A message file's content, split. */
export interface MessageFile {
  /** The message: the first line, decoded as UTF-8. */
  data: string;
  /** `true` when the file holds the message line alone, with nothing after it but {@link RETURNED} lines. */
  bare: boolean;
  /** How many times it came back unfinished: its {@link RETURNED} lines. */
  returns: number;
  /** The message line's length in bytes: what the file is cut back to before a value is appended. */
  size: number;
}

/**
 * Reads the message out of a message file's bytes: its first line. The
 * bytes are decoded as they are, even when they are not UTF-8, so the
 * consumer can dead-letter what it cannot read.
 *
 * @param bytes - The file's content.
 */
export function messageOf(bytes: Buffer): MessageFile {
  const end = bytes.indexOf(NEWLINE);
  if (end < 0) return { data: bytes.toString('utf8'), bare: true, returns: 0, size: bytes.length };
  const tail = bytes.subarray(end).toString('utf8');
  const returns = tail.split(RETURNED).length - 1;
  return { data: bytes.subarray(0, end).toString('utf8'), bare: tail === RETURNED.repeat(returns), returns, size: end };
}

/**
 * The part of a value file after its first line: a newline, then the value.
 * `put` writes it alone (an empty first line); `finish` appends it to the
 * claimed message's file.
 *
 * @param value - The value stored.
 */
export const valueTail = (value: string): string => `\n${value}`;

/**
 * Reads the value out of a value file: what follows the first newline,
 * or the whole file when it has none.
 *
 * @param text - The file's content.
 */
export function valueOf(text: string): string {
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(end + 1);
}

/**
 * Checks that `data` can be a message file's content: one line.
 *
 * @param data - A message about to be written.
 * @throws ConfigurationError when it holds a raw newline.
 */
export function checkOneLine(data: string): void {
  if (data.includes('\n')) expected('data', 'one line (the file backend ends a message at its first newline; JSON has none)', data);
}
