/**
 * The consumer's configuration: subclass {@link BaseConfiguration} and set
 * its static, UPPER_CASE attributes, as in huey.
 *
 * @module
 */
import type { BaseDataStore, BaseQueue } from '../backends/base.js';

/** Where calls run: the consumer's event loop, worker threads, or child processes. */
export type WorkerType = 'async' | 'thread' | 'process';

/** The log levels, from most to least talkative. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Defaults of every consumer setting. Point the consumer at a subclass:
 * `node bin/huey-consumer.js main.Configuration`.
 *
 * @example
 * ```js
 * export class Configuration extends BaseConfiguration {
 *   static QUEUE = queue;
 *   static THREADS = 4;
 * }
 * ```
 */
export class BaseConfiguration {
  /** The queue to read calls from. Required. */
  static QUEUE: BaseQueue | undefined = undefined;
  /** Where results go. */
  static RESULT_STORE: BaseDataStore | undefined = undefined;
  /** Where the schedule is saved, for queues without a schedule of their own. */
  static TASK_STORE: BaseDataStore | undefined = undefined;
  /** Whether this consumer enqueues periodic commands. @defaultValue `false` */
  static PERIODIC = false;
  /** How many calls run at once; with thread or process workers, how many workers. @defaultValue `1` */
  static THREADS = 1;
  /**
   * Where calls run: `async` in the consumer's event loop (calls overlap while
   * they await, but CPU-bound code blocks everything), `thread` in worker
   * threads, `process` in child processes. Thread and process workers each
   * import the configuration module (and so the commands) themselves.
   * @defaultValue `'async'`
   */
  static WORKER_TYPE: WorkerType = 'async';
  /**
   * Modules to import at start-up, so their commands are registered: paths
   * or globs (`*`, `?`, `**`) relative to the configuration module, e.g.
   * `['./commands.js', './apps/*\/commands.js']`. A pattern that matches
   * nothing or a module that fails to import stops start-up.
   * @defaultValue `[]`
   */
  static COMMANDS: readonly string[] = [];
  /** A file to append the log to, besides stderr; it rotates at 1 MiB, keeping 3. */
  static LOGFILE: string | undefined = undefined;
  /** The least important level logged. @defaultValue `'info'` */
  static LOGLEVEL: LogLevel = 'info';
  /** Growth factor of the polling delay of a non-blocking queue. @defaultValue `1.15` */
  static BACKOFF = 1.15;
  /** First polling delay, in seconds, of a non-blocking queue. @defaultValue `0.1` */
  static INITIAL_DELAY = 0.1;
  /** Longest polling delay, in seconds. @defaultValue `10` */
  static MAX_DELAY = 10;
  /** Whether crontab fields are read in UTC (otherwise local time). @defaultValue `true` */
  static UTC = true;
  /** Seconds that shutdown waits for calls in flight; then their signals abort, and what has not stopped goes back to the queue. @defaultValue `30` */
  static SHUTDOWN_TIMEOUT = 30;
  /**
   * Deliveries of one attempt of a call (counted in the queue's control
   * store) after which it is dead-lettered as never finishing: a call that
   * crashes or hangs its consumer each time stops there. Five leaves room
   * for a couple of crashes and restarts of healthy calls.
   * @defaultValue `5`
   */
  static MAX_DELIVERIES = 5;
  /** Whether to reload command modules when their files change. @defaultValue `false` */
  static RELOAD = false;
  /** Whether to append every event of the consumer to the queue's trace, for `huey trace`. @defaultValue `false` */
  static TRACE = false;
  /**
   * How many finished calls the queue's history keeps (`huey history`, the
   * task page of `huey web`); every consumer also adds each call to the
   * counters of `/metrics`. `0` records nothing. Backends without records
   * (see `huey/backends/records`) ignore it.
   * @defaultValue `1000`
   */
  static HISTORY = 1000;
}
