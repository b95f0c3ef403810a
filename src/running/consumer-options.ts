/**
 * The options of the {@link consumer!Consumer | Consumer} and what one step
 * of it did.
 *
 * @module
 */
import { ConfigurationError } from '../exceptions.js';
import type { LogSink } from './logger.js';

/** Options of {@link Consumer}, for embedding and tests. */
export interface ConsumerOptions {
  /**
   * The package root that unknown commands' modules are imported from, once
   * each; the CLI passes the configuration module's package root. Ignored
   * when `COMMANDS` is set: then only its modules are imported.
   * @defaultValue none: unknown commands are dead-lettered without an import
   */
  importRoot?: string;
  /** Where log lines go besides `LOGFILE`. @defaultValue stderr */
  logSink?: LogSink;
  /** The clock the consumer reads for etas and periodic minutes. @defaultValue `() => new Date()` */
  clock?: () => Date;
  /** How long one blocking read may wait, in ms; bounds how long `stop()` waits for the reader. @defaultValue `1000` */
  readTimeoutMs?: number;
  /**
   * The configuration module and its export name, e.g. `{ file: '/app/main.js', attribute: 'Configuration' }`:
   * `COMMANDS` are relative to it, and thread and process workers import it. The CLI passes it.
   */
  configModule?: {
    /** The configuration module's file. */
    file: string;
    /** The name it exports the configuration class under. */
    attribute: string;
  };
}

/** What one {@link Consumer.step} did. */
export interface StepResult {
  /**
   * `scheduled`: ran (or re-scheduled, or dead-lettered) a due call of the schedule;
   * `periodic`: enqueued the periodic commands of the clock's minute;
   * `message`: took one message from the queue and handled it;
   * `idle`: found nothing to do.
   */
  kind: 'scheduled' | 'periodic' | 'message' | 'idle';
  /** The message's id, for `scheduled` and `message` (when readable). */
  taskId?: string | undefined;
  /** The command the message names, for `scheduled` and `message` (when readable). */
  command?: string | undefined;
  /** For `periodic`: the commands enqueued. */
  enqueued?: string[];
}

/**
 * The configuration module, which `what` needs.
 *
 * @internal
 */
export function moduleOf(module: ConsumerOptions['configModule'], what: string): NonNullable<ConsumerOptions['configModule']> {
  if (module === undefined) throw new ConfigurationError(`${what} need the \`configModule\` option (the CLI passes it)`);
  return module;
}
