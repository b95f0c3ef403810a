/**
 * The consumer's log: one line an event (time, level, message) to stderr,
 * and, with `LOGFILE`, appended to a file that rotates at 1 MiB keeping 3
 * old ones (`huey.log.1` ... `huey.log.3`), as Python's RotatingFileHandler.
 *
 * @internal
 * @module
 */
import { appendFileSync, existsSync, renameSync, statSync } from 'node:fs';
import { printable } from '../core/printable.js';
import type { LogLevel } from './config.js';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The log file's permissions: like the queue's files, readable by their owner only. */
const FILE_MODE = 0o600;

/** Rotate the log file once it reaches this size. */
export const ROTATE_BYTES = 1024 * 1024;
/** How many rotated files are kept. */
export const ROTATE_KEEP = 3;

/** Where log lines go; a function of the whole line, newline included. */
export type LogSink = (line: string) => void;

/** Options of {@link Logger}. */
export interface LoggerOptions {
  /** The least important level written. */
  level?: LogLevel;
  /** A file to append to, rotating at {@link ROTATE_BYTES}. */
  file?: string | undefined;
  /** Where lines go besides the file; stderr by default. */
  sink?: LogSink;
}

/** A small levelled logger. */
export class Logger {
  readonly level: LogLevel;
  #file: string | undefined;
  readonly #sink: LogSink;
  #fileSize = 0;

  constructor(options: LoggerOptions = {}) {
    this.level = options.level ?? 'info';
    if (!(this.level in LEVELS)) throw new Error(`Unknown log level "${this.level}"; expected debug, info, warn or error`);
    this.#file = options.file;
    this.#sink = options.sink ?? ((line) => process.stderr.write(line));
    try {
      if (this.#file !== undefined && existsSync(this.#file)) this.#fileSize = statSync(this.#file).size;
    } catch {
      // unreadable: the first append finds out and falls back to stderr
    }
  }

  debug(message: string): void {
    this.log('debug', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  warn(message: string): void {
    this.log('warn', message);
  }
  error(message: string): void {
    this.log('error', message);
  }

  /** Tells whether `level` would be written, to skip building costly messages. */
  enabled(level: LogLevel): boolean {
    return LEVELS[level] >= LEVELS[this.level];
  }

  log(level: LogLevel, message: string): void {
    if (!this.enabled(level)) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${printable(message, { lines: true })}\n`;
    this.#sink(line);
    if (this.#file !== undefined) this.#appendOrFallBack(this.#file, line);
  }

  /** A log file that cannot be written never stops the consumer: the log goes on to the sink alone, with one warning. */
  #appendOrFallBack(file: string, line: string): void {
    try {
      this.#append(file, line);
    } catch (error) {
      this.#file = undefined;
      this.log('warn', `cannot write the log file ${file} (${(error as Error).message}): logging to stderr only from now on`);
    }
  }

  // Synchronous on purpose: log lines of a crashing process must reach the file.
  #append(file: string, line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.#fileSize > 0 && this.#fileSize + bytes > ROTATE_BYTES) {
      for (let n = ROTATE_KEEP - 1; n >= 1; n--) if (existsSync(`${file}.${n}`)) renameSync(`${file}.${n}`, `${file}.${n + 1}`);
      renameSync(file, `${file}.1`);
      this.#fileSize = 0;
    }
    appendFileSync(file, line, { mode: FILE_MODE });
    this.#fileSize += bytes;
  }
}
