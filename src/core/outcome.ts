/**
 * What a call's outcome becomes in the result store: the rules of huey 0.2
 * (periodic results are not stored, nor `undefined`/`null` unless
 * `storeNone`), in one place for the Invoker and the consumer.
 *
 * @internal
 * @module
 */
import { encodeOutcome, type Outcome } from './message.js';
import type { CommandDefinition } from './registry.js';

/** What the rules look at of a call. */
export interface CallOfOutcome {
  readonly taskId: string;
  readonly name: string;
  readonly definition: Pick<CommandDefinition, 'validator'>;
}

/** An outcome as it is kept: the result's key and its encoded value. */
export interface StoredOutcome {
  /** The key: the call's id. */
  key: string;
  /** The encoded outcome. */
  value: string;
  /** Whether the call succeeded. */
  ok: boolean;
}

/** A failure as the result store keeps it: name, message and stack. */
export function failure(error: unknown): Outcome {
  const err = error instanceof Error ? error : new Error(String(error));
  return { ok: false, error: { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) } };
}

/**
 * The outcome of `command` as it is stored, or `undefined` when the rules say
 * it is not stored.
 *
 * @param command - The call.
 * @param outcome - Its result or its final failure.
 * @param storeNone - Whether `undefined` and `null` results are stored.
 */
export function outcomeToStore(command: CallOfOutcome, outcome: Outcome, storeNone: boolean): StoredOutcome | undefined {
  if (command.definition.validator !== undefined) return undefined; // periodic
  if (outcome.ok && outcome.value == null && !storeNone) return undefined;
  let value: string;
  try {
    value = encodeOutcome(outcome, `the result of ${command.name}`);
  } catch (error) {
    // a result that cannot travel becomes the call's error, so the producer learns why
    value = encodeOutcome({ ok: false, error: { name: 'QueueWriteException', message: (error as Error).message } });
  }
  return { key: command.taskId, value, ok: outcome.ok };
}
