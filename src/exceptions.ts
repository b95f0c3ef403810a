/**
 * Every error huey throws on purpose. One base class, {@link QueueException},
 * so `catch (e) { if (e instanceof QueueException) ... }` catches them all;
 * a wrapped failure keeps the original error as `cause`.
 *
 * @module
 */

/** Options shared by every huey error. */
export interface HueyErrorOptions {
  /** The error that caused this one, kept for debugging. */
  cause?: unknown;
  /** The raw message text, when the error is about one message. */
  raw?: string;
}

/** The base class of every huey error. */
export class QueueException extends Error {
  /**
   * A stable identifier of the error's class, e.g. `HUEY_QUEUE_WRITE`, for
   * code and logs that should not depend on message text. Each subclass has its own.
   */
  readonly code: string = 'HUEY_QUEUE';
  /** The raw message text as read from the queue, when the error concerns one. */
  readonly raw: string | undefined;

  /**
   * @param message - What went wrong, in one sentence.
   * @param options - The `cause` and the `raw` message text, when known.
   */
  constructor(message: string, options: HueyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.raw = options.raw;
  }
}

/** Writing a message to the queue failed, or the call's arguments cannot be sent. */
export class QueueWriteException extends QueueException {
  override readonly code: string = 'HUEY_QUEUE_WRITE';
}

/** Reading from the queue failed, or what was read is not a valid message. */
export class QueueReadException extends QueueException {
  override readonly code: string = 'HUEY_QUEUE_READ';
}

/** Reading a result from the result store failed. */
export class DataStoreGetException extends QueueException {
  override readonly code: string = 'HUEY_STORE_GET';
}

/** Writing a result to the result store failed. */
export class DataStorePutException extends QueueException {
  override readonly code: string = 'HUEY_STORE_PUT';
}

/** A blocking `AsyncData.get` ran out of time before the result arrived. */
export class DataStoreTimeout extends QueueException {
  override readonly code: string = 'HUEY_STORE_TIMEOUT';
}

/** The queued call failed for good; `message` is the remote error's message. */
export class TaskException extends QueueException {
  override readonly code: string = 'HUEY_TASK';
  /** The class name of the error the command threw in the consumer, e.g. `TypeError`. */
  readonly remoteName: string;
  /** The stack of the error in the consumer, when it was recorded. */
  readonly remoteStack: string | undefined;

  /**
   * @param message - The remote error's message.
   * @param remoteName - The remote error's class name.
   * @param remoteStack - The remote error's stack trace.
   */
  constructor(message: string, remoteName = 'Error', remoteStack?: string) {
    super(message);
    this.remoteName = remoteName;
    this.remoteStack = remoteStack;
  }
}

/** A configuration, a decorator's options or a backend's options are not usable. */
export class ConfigurationError extends QueueException {
  override readonly code: string = 'HUEY_CONFIGURATION';
}

/** A call ran longer than its command's `timeout`. */
export class TimeoutError extends QueueException {
  override readonly code: string = 'HUEY_TIMEOUT';
}

/** A call was revoked while it ran: its signal aborts with this. */
export class TaskRevokedError extends QueueException {
  override readonly code: string = 'HUEY_REVOKED';
}

/** The consumer stopped while a call ran: its signal aborts with this, and the call goes back to the queue. */
export class ShutdownError extends QueueException {
  override readonly code: string = 'HUEY_SHUTDOWN';
}

/** Another consumer recovered a call while it ran here (this consumer was taken for dead): its signal aborts with this, and the call runs there. */
export class ClaimLostError extends QueueException {
  override readonly code: string = 'HUEY_CLAIM_LOST';
}

/** A worker thread or process ended while it was running a call. */
export class WorkerExitError extends QueueException {
  override readonly code: string = 'HUEY_WORKER_EXIT';
}

/**
 * A call (or `lock.run`) found its lock held by another holder. A call that
 * fails with it is retried like any failure, so give a locked command
 * `retries` and a `retryDelay` to have it wait its turn.
 */
export class TaskLockedException extends QueueException {
  override readonly code: string = 'HUEY_TASK_LOCKED';
}
