/**
 * How a call's failure is logged. A failure that will be retried is
 * handled, not a crash: one WARN line, with the retry to come; its stack
 * goes to DEBUG. A failure for good is an ERROR, with the stack.
 *
 * @internal
 * @module
 */
import type { QueueCommand } from '../core/command.js';
import type { Logger } from './logger.js';

/** An error as one line, `Name: message`. */
export const errorLine = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** What the call threw, with its stack, at DEBUG (where a handled failure's stack goes). */
export function logThrown(log: Logger, command: QueueCommand, error: unknown): void {
  if (log.enabled('debug')) log.debug(`${command.name} ${command.taskId} threw: ${error instanceof Error ? (error.stack ?? errorLine(error)) : String(error)}`);
}

/** The failure, once its fate is known: retried (`retrying`) or for good. */
export function logFailure(log: Logger, command: QueueCommand, error: { name: string; message: string; stack?: string }, retrying: boolean): void {
  const { retries, retryDelay } = command.definition;
  if (retrying) log.warn(`${command.name} ${command.taskId} failed (${error.name}: ${error.message}); retry ${command.attempt} of ${retries} in ${retryDelay} s`);
  else log.error(`${command.name} ${command.taskId} failed: ${error.stack ?? `${error.name}: ${error.message}`}`);
}
