/**
 * Text from a message made safe to print: a command name, an argument or a
 * raw message may hold a newline or a terminal escape sequence, which would
 * forge a log line or repaint the user's terminal.
 *
 * @internal
 * @module
 */

/** C0 and C1 control characters and DEL, but for tab and newline. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_OR_NEWLINE = /[\u0000-\u001f\u007f-\u009f]/g;

const escape = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * `text` with control characters written as `\u001b`-style escapes.
 *
 * @param text - What to print.
 * @param options - `lines: true` keeps newlines (a stack trace of our own); otherwise they are escaped too.
 */
export function printable(text: string, options: { lines?: boolean } = {}): string {
  return text.replace(options.lines ? CONTROL : CONTROL_OR_NEWLINE, escape);
}
