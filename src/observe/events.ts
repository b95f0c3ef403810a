/**
 * Events: what happens to a task, as it happens. The invoker (producer
 * side) and the consumer emit through one typed map, {@link HueyEvents},
 * on one {@link TypedEmitter}: `invoker.events`.
 *
 * Listening is optional. With nobody listening an emit is one map lookup:
 * emitters check {@link TypedEmitter.listenerCount} before building a
 * payload.
 *
 * @example
 * ```ts
 * invoker.events.on('finished', ({ taskId, command, duration }) => {
 *   console.log(`${command} ${taskId} took ${duration.toFixed(1)} ms`);
 * });
 * ```
 *
 * @module
 */

/** What every event about one task carries. */
export interface TaskEvent {
  /** The task's id: the message's id and the key of its result. */
  taskId: string;
  /** The command's name, e.g. `commands.countBeans`. */
  command: string;
}

/**
 * Every event, by name, with its payload. The life of a task that succeeds
 * reads: `enqueued`, `received`, `started`, `finished`, `resultStored`,
 * `resultRead`.
 */
export interface HueyEvents {
  /** A producer wrote a call to the queue (also a retry, and a periodic call). */
  enqueued: TaskEvent & {
    /** When it should run; `null` for as soon as possible. */
    eta: Date | null;
    /** Retries left. */
    retries: number;
  };
  /** A consumer took the message and knows its command. */
  received: TaskEvent & {
    /** `true` when it came from the schedule (its eta passed), `false` when read from the queue. */
    fromSchedule: boolean;
  };
  /** A consumer put a call whose eta is in the future into the schedule. */
  scheduled: TaskEvent & {
    /** When it becomes due. */
    eta: Date;
  };
  /** A call over its command's rate limit or concurrency waits in the schedule: it is not failed and spends no retry. */
  waiting: TaskEvent & {
    /** Why, in words: `waiting for its rate limit (5 per 1 s)`, `waiting for its concurrency (2 running)`. */
    reason: string;
    /** When it looks again. */
    until: Date;
  };
  /** A consumer started running the call. */
  started: TaskEvent & {
    /** 1 on the first run, 2 on the first retry, ... */
    attempt: number;
    /** Times this attempt was handed to a consumer: more than 1 after a crash or a shutdown put it back. */
    deliveries: number;
  };
  /** The call returned. */
  finished: TaskEvent & {
    /** How long the call ran, in milliseconds. */
    duration: number;
  };
  /** The call threw. A `retrying` follows when retries are left. */
  failed: TaskEvent & {
    /** The error, as `Name: message`. */
    error: string;
    /** Retries left before this failure; `0` means the failure is final. */
    retries: number;
    /** How long the call ran, in milliseconds. */
    duration: number;
  };
  /** A failed call was enqueued again. */
  retrying: TaskEvent & {
    /** Retries left after this one. */
    retries: number;
    /** When the retry runs; `null` for at once. */
    eta: Date | null;
  };
  /** The call's outcome (a value or a final error) was put in the result store. */
  resultStored: TaskEvent & {
    /** `false` when what was stored is the call's error. */
    ok: boolean;
  };
  /** A producer read the result (and so removed it from the store). */
  resultRead: {
    /** The task's id. */
    taskId: string;
    /** `false` when the result read was the call's error. */
    ok: boolean;
  };
  /** A call read was not run because it, or its command, is revoked; its handle rejects with `reason`. */
  revoked: TaskEvent & {
    /** Why, in words, e.g. `commands.report is revoked and was not run`. */
    reason: string;
  };
  /** A call read after its expiry was not run; its handle rejects with `reason`. */
  expired: TaskEvent & {
    /** Why, in words. */
    reason: string;
  };
  /** A message that cannot run was put in the dead letters. */
  deadLettered: {
    /** The message's id, when the message is readable enough to have one. */
    taskId: string | undefined;
    /** The command named by the message, when it names one. */
    command: string | undefined;
    /** Why, e.g. `QueueException: commands.ghost not found in CommandRegistry`. */
    reason: string;
  };
  /** Messages taken by dead consumers came back to the queue. */
  recovered: {
    /** How many. */
    count: number;
  };
  /** A consumer enqueued a periodic command for a minute. */
  periodicEnqueued: TaskEvent & {
    /** The minute it was enqueued for. */
    minute: Date;
  };
  /** A command module was imported again after it changed. */
  reloaded: {
    /** The module's file. */
    file: string;
    /** What changed: `+name` added, `~name` replaced, `-name` removed. */
    changes: string[];
  };
}

/** The name of an event of {@link HueyEvents}. */
export type HueyEventName = keyof HueyEvents;

/** Every event name, in the order of a task's life. */
export const EVENT_NAMES: readonly HueyEventName[] = [
  'enqueued',
  'received',
  'scheduled',
  'waiting',
  'started',
  'finished',
  'failed',
  'retrying',
  'resultStored',
  'resultRead',
  'revoked',
  'expired',
  'deadLettered',
  'recovered',
  'periodicEnqueued',
  'reloaded',
];

/** A listener of the event `K` of the map `M`. */
export type Listener<M, K extends keyof M> = (payload: M[K]) => void;

/**
 * A tiny typed event emitter. Listeners run synchronously, in the order
 * they were added; one that throws does not stop the others, nor the
 * emitter (its error is reported with `process.emitWarning`).
 *
 * @typeParam M - The event map: event name to payload type.
 */
export class TypedEmitter<M extends object> {
  readonly #listeners = new Map<keyof M, Listener<M, never>[]>();

  /**
   * Adds a listener.
   *
   * @param name - The event.
   * @param listener - Called with each payload.
   * @returns This emitter, for chaining.
   */
  on<K extends keyof M>(name: K, listener: Listener<M, K>): this {
    // a fresh array on each change: an emit in progress keeps the list it started with
    this.#listeners.set(name, [...(this.#listeners.get(name) ?? []), listener as Listener<M, never>]);
    return this;
  }

  /**
   * Removes a listener added with {@link on} or {@link once}.
   *
   * @param name - The event.
   * @param listener - The listener as it was added.
   * @returns This emitter, for chaining.
   */
  off<K extends keyof M>(name: K, listener: Listener<M, K>): this {
    const list = this.#listeners.get(name);
    if (list === undefined) return this;
    const i = list.findIndex((l) => l === listener || (l as { listener?: unknown }).listener === listener);
    if (i < 0) return this;
    const rest = [...list.slice(0, i), ...list.slice(i + 1)];
    if (rest.length === 0) this.#listeners.delete(name);
    else this.#listeners.set(name, rest);
    return this;
  }

  /**
   * Adds a listener that is removed after its first call.
   *
   * @param name - The event.
   * @param listener - Called with the next payload only.
   * @returns This emitter, for chaining.
   */
  once<K extends keyof M>(name: K, listener: Listener<M, K>): this {
    const wrapper = Object.assign((payload: M[K]) => {
      this.off(name, wrapper);
      listener(payload);
    }, { listener });
    return this.on(name, wrapper);
  }

  /**
   * How many listeners an event has: emitters check it before building a
   * payload, so an event nobody listens to costs one lookup.
   *
   * @param name - The event.
   */
  listenerCount(name: keyof M): number {
    return this.#listeners.get(name)?.length ?? 0;
  }

  /**
   * Calls every listener of `name` with `payload`.
   *
   * @param name - The event.
   * @param payload - What happened.
   * @returns `true` when the event had listeners.
   */
  emit<K extends keyof M>(name: K, payload: M[K]): boolean {
    const list = this.#listeners.get(name);
    if (list === undefined) return false;
    for (const listener of list) {
      try {
        (listener as Listener<M, K>)(payload);
      } catch (error) {
        process.emitWarning(`a listener of "${String(name)}" threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, 'HueyListenerWarning');
      }
    }
    return true;
  }
}
