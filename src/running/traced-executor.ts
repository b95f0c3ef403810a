/**
 * Each run inside its OpenTelemetry CONSUMER span: an executor that wraps
 * the one the configuration asked for. The span is made here, in the
 * consumer's own thread, around the whole run, so it is the same for
 * async, thread and process workers; on the async worker it is also the
 * active span inside the call.
 *
 * @internal
 * @module
 */
import type { QueueCommand } from '../core/command.js';
import { inProcessSpan } from '../observe/telemetry.js';
import type { RunningCall } from './call.js';
import type { Executor } from './worker-protocol.js';

/** `inner`, with each run in a CONSUMER span of queue `queue`. */
export function tracedExecutor(inner: Executor, queue: string): Executor {
  return {
    start: () => inner.start(),
    restart: () => inner.restart(),
    close: () => inner.close(),
    run: (command: QueueCommand, call: RunningCall) =>
      inProcessSpan(
        { queue, taskId: command.taskId, command: command.name, attempt: call.identity.attempt, deliveries: call.identity.deliveries, carried: command.traceContext },
        () => inner.run(command, call),
      ),
  };
}
