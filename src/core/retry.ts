/**
 * A failed call's next try: the same call, one retry fewer, due after its
 * `retryDelay`, keeping its priority, expiry and pipeline.
 *
 * @internal
 * @module
 */
import { QueueCommand } from './command.js';

/** The next try of a failed call: same id, one retry fewer, after `retryDelay`. */
export function retryOf(command: QueueCommand, now: Date): QueueCommand {
  const eta = command.retryDelay > 0 ? new Date(now.getTime() + command.retryDelay * 1000) : null;
  return new QueueCommand(command.definition, command.args, {
    taskId: command.taskId,
    eta,
    retries: command.retries - 1,
    retryDelay: command.retryDelay,
    enqueuedAt: command.enqueuedAt,
    priority: command.priority,
    expires: command.expires,
    ...(command.then ? { then: [...command.then] } : {}),
    ...(command.onError ? { onError: command.onError } : {}),
    ...(command.traceContext ? { traceContext: command.traceContext } : {}),
  });
}
