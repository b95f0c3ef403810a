/**
 * The decorators: {@link queueCommand} turns a function into one whose calls
 * go into the queue; {@link periodicCommand} runs a function on a schedule
 * given by {@link crontab}.
 *
 * @module
 */
import { ConfigurationError } from './exceptions.js';
import { callerModule, moduleFile, moduleName } from './core/paths.js';
import { markQueued, Pipeline, type ResultGroup } from './invoker/pipeline.js';
import { Invoker } from './invoker/invoker.js';
import { AsyncData } from './invoker/async-data.js';
import { QueueCommand, type CallOptions } from './core/command.js';
import { commandKey, isRevoked, restore, revoke, type RevokeOptions } from './controls/revoke.js';
import { expiryOf } from './core/command.js';
import type { CommandDefinition, DateValidator, RateLimit } from './core/registry.js';
import { limitsOption } from './controls/limits.js';
import * as check from './core/validate.js';

export { crontab, type CrontabFields } from './core/crontab.js';
export type { RateLimit } from './core/registry.js';

/** Options of {@link queueCommand}. */
export interface QueueCommandOptions {
  /**
   * How many times a failing call is tried again.
   * @defaultValue `0`
   */
  retries?: number;
  /**
   * Seconds to wait before each retry.
   * @defaultValue `0`: at once
   */
  retryDelay?: number;
  /**
   * Seconds a call may run before the consumer gives up on it with
   * `TimeoutError` (a failure, retried like any other). Thread and process
   * workers are stopped; an async call cannot be stopped by JavaScript and
   * is abandoned, still running.
   * @defaultValue none: no limit
   */
  timeout?: number;
  /**
   * The command's full name, instead of `<module>.<function>`. Needed for
   * anonymous functions and for helpers that wrap `queueCommand`.
   */
  name?: string;
  /**
   * The priority of every call: a finite number; higher runs first, equal
   * priorities in the order they were enqueued. A scheduled call keeps it
   * when it becomes due.
   * @defaultValue `0`
   */
  priority?: number;
  /**
   * When a call expires: seconds after it was enqueued, or an instant. A
   * call read by a consumer after it expired is not run; its handle rejects
   * with `TaskException`.
   * @defaultValue none: calls never expire
   */
  expires?: number | Date;
  /**
   * The name of a lock every call runs under (see `invoker.lockTask`): a
   * call that finds it held fails with `TaskLockedException`, retried like
   * any failure.
   * @defaultValue none
   */
  lock?: string;
  /**
   * At most `calls` calls start in any window of `per` seconds, across
   * every consumer of the queue. A call over the limit waits in the
   * schedule until the window frees: it is not failed and spends no retry,
   * and other commands run meanwhile.
   * @defaultValue none: no limit
   */
  rateLimit?: RateLimit;
  /**
   * At most this many calls run at once, across every consumer of the
   * queue; a positive integer. A call over the limit waits as for
   * `rateLimit`; a consumer that dies frees its share within 30 s (at once
   * on its own host).
   * @defaultValue none: no limit
   */
  concurrency?: number;
}

/** Options of {@link QueuedFunction.schedule}; give `eta` or `delay`, not both. */
export interface ScheduleOptions<A extends unknown[]> {
  /** The call's arguments; none when not given (a function of no arguments). @defaultValue `[]` */
  args?: A;
  /** When to run it. */
  eta?: Date;
  /** Seconds from now until it runs. */
  delay?: number;
  /** This call's priority, instead of the command's. */
  priority?: number;
  /** This call's expiry, instead of the command's: seconds after enqueue, or an instant. */
  expires?: number | Date;
}

/**
 * A function decorated with {@link queueCommand}: calling it enqueues a call
 * and resolves once the message is written.
 */
export interface QueuedFunction<A extends unknown[], R> {
  /**
   * Enqueues a call.
   * @returns A handle on the call; its `get()` answers through the invoker's result store.
   * @throws QueueWriteException when an argument cannot be sent or the queue cannot be written.
   */
  (...args: A): Promise<AsyncData<R>>;
  /**
   * Enqueues a call to run at `eta`, or `delay` seconds from now.
   * @throws ConfigurationError for an invalid `eta` or `delay`.
   */
  schedule(options: ScheduleOptions<A> & ([] extends A ? unknown : { args: A })): Promise<AsyncData<R>>;
  /**
   * A call of this command not enqueued yet: the first step of a pipeline.
   * @example
   * ```ts
   * const group = await invoker.enqueue(add.s(1, 2).then(mul, 10));
   * ```
   */
  s(...args: A): Pipeline<R>;
  /**
   * Enqueues one call per item of `argsList`, each item the call's
   * arguments, in one write where the backend can (huey 3's `map`).
   * @returns The calls' handles, in order; `get()` gives their results in order.
   * @throws ConfigurationError when `argsList` is not an array of argument arrays (nothing written).
   * @throws QueueWriteException naming the index of an item that cannot be sent (nothing written).
   * @example
   * ```ts
   * const group = await square.map([[1], [2], [3]]);
   * await group.get({ blocking: true, timeout: 5 }); // [1, 4, 9]
   * ```
   */
  map(argsList: readonly A[]): Promise<ResultGroup<R, R[]>>;
  /**
   * Revokes this command: consumers skip its calls until {@link QueuedFunction.restore}.
   * @param options - `until` an instant; `once` to skip the next call only.
   * @throws ConfigurationError for bad options or a queue that keeps no revocations.
   */
  revoke(options?: RevokeOptions): Promise<void>;
  /** Ends this command's revocation; `true` when it was revoked. */
  restore(): Promise<boolean>;
  /** Tells whether this command is revoked. */
  isRevoked(): Promise<boolean>;
  /** The name the command is registered under. */
  readonly commandName: string;
  /** The undecorated function, to call it here and now. */
  readonly fn: (...args: A) => R | Promise<R>;
}

/**
 * Makes calls of a function go into the invoker's queue.
 *
 * The command is registered as `<module>.<function>`, the module being the
 * defining file's path relative to its package root without extension
 * (`commands.countBeans`); `name` overrides it.
 *
 * @param invoker - The invoker whose queue receives the calls.
 * @param options - Retries, retry delay, timeout, name, priority, expiry, lock, rate limit and concurrency.
 * @returns A decorator; it throws {@link ConfigurationError} for an anonymous function without `name` or a name taken by another function.
 * @example
 * ```js
 * export const countBeans = queueCommand(invoker)(function countBeans(num) {
 *   console.log(`Counted ${num} beans`);
 * });
 * await countBeans(100);
 * ```
 */
export function queueCommand(invoker: Invoker, options: QueueCommandOptions = {}) {
  check.knownKeys('queueCommand', options, ['retries', 'retryDelay', 'timeout', 'name', 'priority', 'expires', 'lock', 'rateLimit', 'concurrency']);
  const retries = check.nonNegativeInteger('retries', options.retries, 0);
  const retryDelay = check.seconds('retryDelay', options.retryDelay, 0);
  if (options.timeout !== undefined && !(check.seconds('timeout', options.timeout, 0) > 0)) check.expected('timeout', 'a positive number of seconds', options.timeout);
  const controls = {
    ...(options.priority !== undefined ? { priority: check.priority('priority', options.priority, 0) } : {}),
    ...(options.expires !== undefined ? { expires: check.expires('expires', options.expires)! } : {}),
    ...(options.lock !== undefined ? { lock: check.lockName('lock', options.lock) } : {}),
    ...limitsOption(invoker.queue, options),
  };
  return <A extends unknown[], R>(fn: (...args: A) => R): QueuedFunction<A, Awaited<R>> => {
    const definition = define(invoker, fn, options.name, { retries, retryDelay, ...(options.timeout !== undefined ? { timeout: options.timeout } : {}), ...controls });
    const enqueue = (args: A, call: CallOptions): Promise<AsyncData<Awaited<R>>> => invoker.enqueue(new QueueCommand<A, Awaited<R>>(definition, args, call));
    const queued = (...args: A) => enqueue(args, {});
    queued.schedule = async (options: ScheduleOptions<A>) => {
      check.knownKeys('schedule()', options, ['args', 'eta', 'delay', 'priority', 'expires']);
      const { args = [] as unknown[] as A, eta, delay } = options;
      if (!Array.isArray(args)) check.expected('args', 'an array of arguments', args);
      if (eta !== undefined && delay !== undefined) throw new ConfigurationError('Give `eta` or `delay` to schedule(), not both');
      const when = eta !== undefined ? check.date('eta', eta) : delay !== undefined ? delayed(delay) : null;
      const call: CallOptions = { eta: when, enqueuedAt: new Date() };
      if (options.priority !== undefined) call.priority = check.priority('priority', options.priority, 0);
      const expires = check.expires('expires', options.expires);
      if (expires !== undefined) call.expires = expiryOf(expires, call.enqueuedAt!);
      return enqueue(args, call);
    };
    queued.s = (...args: A) => new Pipeline<Awaited<R>>(definition, args);
    queued.map = async (argsList: readonly A[]) => invoker.enqueueMany(argumentLists(argsList).map((args) => new QueueCommand<A, Awaited<R>>(definition, args, {})));
    queued.revoke = (options?: RevokeOptions) => revoke(invoker.queue, commandKey(definition.name), options);
    queued.restore = () => restore(invoker.queue, commandKey(definition.name));
    queued.isRevoked = () => isRevoked(invoker.queue, commandKey(definition.name));
    const made = Object.assign(queued, { commandName: definition.name, fn: fn as (...args: A) => Awaited<R> });
    markQueued(made, definition);
    return made;
  };
}

/** `map()`'s argument, checked: an array of argument arrays. */
function argumentLists<A extends unknown[]>(argsList: readonly A[]): readonly A[] {
  if (!Array.isArray(argsList)) check.expected('map()', 'an array of argument arrays, e.g. [[1], [2]]', argsList);
  const bad = argsList.findIndex((args) => !Array.isArray(args));
  if (bad >= 0) throw new ConfigurationError(`map() takes an array of argument arrays: item ${bad} is ${JSON.stringify(argsList[bad]) ?? String(argsList[bad])}, not an array (nothing written)`);
  return argsList;
}

/** The instant `delay` seconds from now. */
function delayed(delay: unknown): Date {
  const when = new Date(Date.now() + check.seconds('delay', delay, 0) * 1000);
  if (Number.isNaN(when.getTime())) check.expected('delay', 'a number of seconds that ends before the year 275760', delay);
  return when;
}

/** Options of {@link periodicCommand}. */
export interface PeriodicCommandOptions {
  /** The command's full name, instead of `<module>.<function>`. */
  name?: string;
}

/**
 * Runs a function in every minute that `validator` accepts, once per
 * minute, in a consumer started with `PERIODIC = true`. Periodic results are
 * not stored.
 *
 * @param invoker - The invoker whose queue receives the calls.
 * @param validator - Which minutes; usually {@link crontab}.
 * @param options - The name.
 * @returns A decorator that registers the function and returns it unchanged.
 * @example
 * ```js
 * periodicCommand(invoker, crontab({ minute: '*\/5' }))(function report() {
 *   console.log('five more minutes');
 * });
 * ```
 */
export function periodicCommand(invoker: Invoker, validator: DateValidator, options: PeriodicCommandOptions = {}) {
  check.knownKeys('periodicCommand', options, ['name']);
  if (typeof validator !== 'function') check.expected('validator', 'a function of a Date, such as crontab()', validator);
  return <F extends () => unknown>(fn: F): F => {
    define(invoker, fn, options.name, { retries: 0, retryDelay: 0, validator });
    return fn;
  };
}

function define(
  invoker: Invoker,
  fn: unknown,
  name: string | undefined,
  extra: { retries: number; retryDelay: number; timeout?: number; validator?: DateValidator; priority?: number; expires?: number | Date; lock?: string; rateLimit?: RateLimit; concurrency?: number },
): CommandDefinition {
  if (!(invoker instanceof Invoker)) check.expected('invoker', 'an Invoker', invoker);
  if (typeof fn !== 'function') check.expected('fn', 'a function', fn);
  const moduleUrl = callerModule();
  const definition: CommandDefinition = { name: commandName(fn as (...args: never[]) => unknown, name, moduleUrl), fn: fn as (...args: never[]) => unknown, moduleUrl, ...extra };
  invoker.registry.register(definition);
  return definition;
}

function commandName(fn: (...args: never[]) => unknown, name: string | undefined, moduleUrl: string | undefined): string {
  if (name !== undefined) {
    if (typeof name !== 'string' || !/^[^.\s]([^\s]*[^.\s])?\.[^.\s]+$/.test(name)) {
      check.expected('name', 'a command name like "module.function" (no spaces, a dot before the function name)', name);
    }
    return name;
  }
  if (fn.name === '' || fn.name === 'anonymous') {
    throw new ConfigurationError('Cannot name an anonymous function: use a named function, or pass `name` to the decorator');
  }
  if (moduleUrl === undefined) throw new ConfigurationError(`Cannot tell which module defines ${fn.name}: pass \`name\` to the decorator`);
  return `${moduleName(moduleFile(moduleUrl))}.${fn.name}`;
}
