/**
 * The consumer: the process that reads calls from the queue and runs them.
 * It is what users start (`huey-consumer main.Configuration`), watch and
 * stop; {@link Consumer} is the same engine for use inside a program.
 *
 * @module
 */
import { dirname } from 'node:path';
import type { BaseQueue } from '../backends/base.js';
import { ConfigurationError, QueueException } from '../exceptions.js';
import { startTrace, tracerOf } from '../trace.js';
import { CommandSchedule, Invoker, PeriodicQueueCommand, QueueCommand } from '../queue.js';
import * as check from '../validate.js';
import { BaseConfiguration, type LogLevel } from './config.js';
import { importCommands } from './discover.js';
import { Logger, type LogSink } from './logger.js';
import { backendSchedule, memorySchedule, type Schedule } from './schedule.js';
import { AsyncExecutor, PoolExecutor, type Executor } from './workers.js';

export { loadConfig, type LoadedConfig, type LoadConfigOptions } from './load.js';

/** How long one blocking read waits before the loop looks around (shutdown, schedule), in ms. */
const READ_TIMEOUT_MS = 1000;
/** How often the schedule's next eta is re-read, to see calls other consumers scheduled, in ms. */
const SCHEDULE_REFRESH_MS = 1000;
/** How often dead consumers' messages are recovered, in ms. */
const RECOVER_INTERVAL_MS = 5000;
/** How long a periodic minute's lease is held: long enough that no consumer's late timer takes it again. */
const PERIODIC_LEASE_MS = 5 * 60_000;
const MINUTE_MS = 60_000;

/** Options of {@link Consumer}, for embedding and tests. */
export interface ConsumerOptions {
  /**
   * The package root that unknown commands' modules are imported from, once
   * each; the CLI passes the configuration module's package root.
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
 * Reads calls from the invoker's queue and runs them, at most `THREADS` at
 * a time; keeps calls with an eta until they are due; enqueues periodic
 * commands each minute with `PERIODIC`; retries failures; dead-letters what
 * cannot run.
 *
 * @example
 * ```ts
 * const consumer = new Consumer(invoker, Configuration);
 * await consumer.start();   // resolves once it is receiving
 * // ...
 * await consumer.stop();    // resolves once in-flight calls are done
 * ```
 */
export class Consumer {
  /** The invoker whose queue is read and whose registry names the commands. */
  readonly invoker: Invoker;
  /** The configuration class. */
  readonly config: typeof BaseConfiguration;
  /** The consumer's log. */
  readonly log: Logger;

  readonly #threads: number;
  readonly #importRoot: string | undefined;
  readonly #clock: () => Date;
  readonly #readTimeoutMs: number;
  readonly #configModule: { file: string; attribute: string } | undefined;
  #executor: Executor = new AsyncExecutor();
  #schedule: Schedule | undefined;
  #running = false;
  #free: number;
  #wakeLoop: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #inFlight = new Set<Promise<void>>();
  /** Calls that have run and are still storing their result or being acknowledged, holding no slot. */
  #finishing = 0;
  #timers = new Set<NodeJS.Timeout>();
  #nextEta: number | null = null;
  #nextEtaReadAt = 0;
  #lastPeriodicMinute = -Infinity;

  /**
   * @param invoker - The invoker to read and run calls with.
   * @param config - The configuration class: `THREADS`, `PERIODIC`, `LOGLEVEL`...
   * @param options - Embedding and testing options.
   * @throws ConfigurationError for an invalid setting.
   */
  constructor(invoker: Invoker, config: typeof BaseConfiguration = BaseConfiguration, options: ConsumerOptions = {}) {
    if (!(invoker instanceof Invoker)) check.expected('invoker', 'an Invoker', invoker);
    this.invoker = invoker;
    this.config = config;
    this.#threads = check.positiveInteger('THREADS', config.THREADS, 1);
    check.seconds('INITIAL_DELAY', config.INITIAL_DELAY, 0.1);
    check.seconds('MAX_DELAY', config.MAX_DELAY, 10);
    check.seconds('SHUTDOWN_TIMEOUT', config.SHUTDOWN_TIMEOUT, 30);
    if (typeof config.BACKOFF !== 'number' || !(config.BACKOFF >= 1)) check.expected('BACKOFF', 'a number of at least 1', config.BACKOFF);
    this.#free = this.#threads;
    this.#importRoot = options.importRoot;
    this.#clock = options.clock ?? (() => new Date());
    this.#readTimeoutMs = options.readTimeoutMs ?? READ_TIMEOUT_MS;
    this.#configModule = options.configModule;
    if (!['async', 'thread', 'process'].includes(config.WORKER_TYPE)) check.expected('WORKER_TYPE', '"async", "thread" or "process"', config.WORKER_TYPE);
    this.log = new Logger({ level: config.LOGLEVEL as LogLevel, file: config.LOGFILE, ...(options.logSink ? { sink: options.logSink } : {}) });
  }

  /** How many calls are running now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Starts receiving: logs the registered commands, loads the saved
   * schedule, recovers dead consumers' messages, and starts the read loop
   * and the periodic timer.
   *
   * @returns A promise that resolves once the consumer is receiving.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    const queue = this.invoker.queue;
    const module = this.#configModule;
    if ((this.config.COMMANDS.length > 0 || this.config.WORKER_TYPE !== 'async') && module === undefined) {
      throw new ConfigurationError('COMMANDS and thread or process workers need the `configModule` option (the CLI passes it)');
    }
    if (this.config.COMMANDS.length > 0) await importCommands(module!.file, this.config.COMMANDS, (file) => this.log.info(`imported ${file} (COMMANDS)`));
    if (this.config.WORKER_TYPE !== 'async') {
      this.#executor = new PoolExecutor(this.config.WORKER_TYPE, this.#threads, { configFile: module!.file, attribute: module!.attribute, root: this.#importRoot ?? dirname(module!.file) }, this.log);
    }
    await this.#executor.start();
    this.log.info('huey initialized with following commands');
    for (const name of this.invoker.registry.names()) this.log.info(`+ ${name}`);
    await this.#prepare();
    if (queue.recover) {
      await this.#recover();
      this.#every(RECOVER_INTERVAL_MS, () => this.#recover());
    }
    this.#running = true;
    if (this.config.PERIODIC) this.#armPeriodic();
    this.#loop = this.#readLoop();
    this.log.info(`consumer started: ${this.#threads} at a time (${this.config.WORKER_TYPE} workers), reading queue "${queue.name}"`);
  }

  /** Chooses the schedule (the backend's or the in-memory one, loaded) and reads its next eta; once. */
  async #prepare(): Promise<void> {
    if (this.#schedule !== undefined) return;
    const queue = this.invoker.queue;
    if (this.config.TRACE) startTrace(this.invoker);
    if (queue.schedule && queue.due && queue.nextEta) {
      this.#schedule = backendSchedule(queue as Required<Pick<BaseQueue, 'schedule' | 'due' | 'nextEta'>>);
    } else {
      const schedule = new CommandSchedule(this.invoker);
      const rejected = await schedule.load();
      for (const data of rejected) this.log.error(`QueueReadException: unreadable entry in the saved schedule, skipped: ${data}`);
      if (schedule.size > 0) this.log.info(`loaded ${schedule.size} scheduled calls from the task store`);
      this.#schedule = memorySchedule(schedule);
    }
    await this.#refreshNextEta();
  }

  /**
   * Does exactly one thing, reading time from the injected `clock`, and
   * returns once it is done: runs one due scheduled call, or (with
   * `PERIODIC`) enqueues the periodic commands of a minute not enqueued
   * yet, or takes one message from the queue and handles it (runs it,
   * schedules it when its eta is ahead, or dead-letters it). For a consumer
   * that was not started: tests and tutorials drive eta, periodic and retry
   * behaviour with it, without waiting.
   *
   * @returns What was done; `idle` when there was nothing to do.
   * @example
   * ```ts
   * let now = new Date('2030-01-01T12:00:00Z');
   * const consumer = new Consumer(invoker, Configuration, { clock: () => now });
   * await countBeans.schedule({ args: [1], eta: new Date('2030-01-01T12:00:30Z') });
   * await consumer.step();   // { kind: 'message', ... }: read, and scheduled for 12:00:30
   * now = new Date('2030-01-01T12:00:30Z');
   * await consumer.step();   // { kind: 'scheduled', ... }: ran
   * ```
   */
  async step(): Promise<StepResult> {
    if (this.#running) throw new ConfigurationError('step() drives a consumer that was not started; stop() it first');
    await this.#prepare();
    const now = this.#clock();
    const [due] = await this.#schedule!.due(now, 1);
    if (due !== undefined) {
      await this.#handle(due, true);
      await this.#refreshNextEta();
      return { kind: 'scheduled', ...idOf(due) };
    }
    if (this.config.PERIODIC && Math.floor(now.getTime() / MINUTE_MS) > this.#lastPeriodicMinute) {
      return { kind: 'periodic', enqueued: await this.enqueuePeriodic(now) };
    }
    const data = await this.invoker.queue.read(0);
    if (data === null) return { kind: 'idle' };
    await this.#handle(data, false);
    return { kind: 'message', ...idOf(data) };
  }

  /**
   * Stops reading, lets calls in flight finish for up to `SHUTDOWN_TIMEOUT`
   * seconds (unfinished ones stay unacknowledged, for recovery), and saves
   * the schedule. Backends are left open: the caller owns them.
   *
   * @returns A promise that resolves once the consumer has stopped.
   */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#wakeLoop?.();
    await this.#loop;
    const pending = [...this.#inFlight];
    if (pending.length > 0) {
      this.log.info(`waiting for ${pending.length} calls in flight`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, this.config.SHUTDOWN_TIMEOUT * 1000, 'timeout')));
      const outcome = await Promise.race([Promise.allSettled(pending), timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') this.log.warn(`${this.#inFlight.size} calls still running after ${this.config.SHUTDOWN_TIMEOUT} s: left unacknowledged for recovery`);
    }
    await this.#executor.close();
    await this.#schedule?.save();
    await tracerOf(this.invoker)?.flush();
    this.log.info('consumer stopped');
  }

  /**
   * Starts fresh thread or process workers, which import the commands anew;
   * the old ones finish their calls and exit. Hot reload calls it.
   */
  async restartWorkers(): Promise<void> {
    await this.#executor.restart();
  }

  /**
   * Enqueues every periodic command whose validator accepts the minute of
   * `minute`, once per minute: a second call for the same or an earlier
   * minute does nothing, and with a backend `lease` only one consumer of
   * the queue enqueues it. The consumer's timer calls this at each minute
   * boundary; tests call it with the minutes they want.
   *
   * @param minute - Any instant in the minute.
   * @returns The names of the commands enqueued.
   */
  async enqueuePeriodic(minute: Date): Promise<string[]> {
    const index = Math.floor(minute.getTime() / MINUTE_MS);
    if (index <= this.#lastPeriodicMinute) return [];
    this.#lastPeriodicMinute = index;
    const start = new Date(index * MINUTE_MS);
    const queue = this.invoker.queue;
    if (queue.lease && !(await queue.lease(`periodic:${start.toISOString()}`, PERIODIC_LEASE_MS))) return [];
    const enqueued: string[] = [];
    const events = this.invoker.events;
    for (const definition of this.invoker.registry.commands()) {
      if (!definition.validator?.(start, { utc: this.config.UTC })) continue;
      try {
        const command = new PeriodicQueueCommand(definition, []);
        await this.invoker.enqueue(command);
        enqueued.push(definition.name);
        if (events.listenerCount('periodicEnqueued') > 0) events.emit('periodicEnqueued', { taskId: command.taskId, command: command.name, minute: start });
      } catch (error) {
        this.log.error(`could not enqueue periodic ${definition.name}: ${(error as Error).message}`);
      }
    }
    if (enqueued.length > 0) this.log.info(`enqueued periodic commands for ${start.toISOString()}: ${enqueued.join(', ')}`);
    return enqueued;
  }

  async #readLoop(): Promise<void> {
    const queue = this.invoker.queue;
    let delay = this.config.INITIAL_DELAY * 1000;
    while (this.#running) {
      if (this.#free === 0) {
        await new Promise<void>((resolve) => (this.#wakeLoop = resolve));
        continue;
      }
      try {
        let now = this.#clock().getTime();
        if (this.#shouldLookAtSchedule(now)) {
          if (await this.#takeDue(now)) continue;
          now = this.#clock().getTime();
        }
        const untilEta = this.#nextEta === null ? Infinity : Math.max(1, this.#nextEta - now);
        const slots = this.#free;
        this.#free -= slots;
        let batch: string[] = [];
        try {
          batch = await this.#read(slots, queue.blocking ? Math.min(this.#readTimeoutMs, untilEta) : 0);
        } finally {
          this.#free += slots - batch.length;
        }
        if (batch.length > 0) {
          delay = this.config.INITIAL_DELAY * 1000;
          for (const data of batch) this.#dispatch(data, false);
          continue;
        }
        if (!queue.blocking) {
          const wait = Math.min(delay, untilEta);
          if (this.log.enabled('debug')) this.log.debug(`queue "${queue.name}" is empty: polling again in ${Math.round(wait)} ms`);
          await this.#sleep(wait);
          delay = Math.min(delay * this.config.BACKOFF, this.config.MAX_DELAY * 1000);
        }
      } catch (error) {
        this.log.error(`error reading from queue "${queue.name}": ${(error as Error).message}`);
        await this.#sleep(delay);
        delay = Math.min(delay * this.config.BACKOFF, this.config.MAX_DELAY * 1000);
      }
    }
  }

  /** Takes up to `count` messages: in one claim when the queue has `readMany`. */
  async #read(count: number, timeoutMs: number): Promise<string[]> {
    const queue = this.invoker.queue;
    if (queue.readMany) return queue.readMany(count, timeoutMs);
    const data = await queue.read(timeoutMs);
    return data === null ? [] : [data];
  }

  /**
   * Tells whether the schedule may have due calls or its next eta is worth
   * re-reading; checked before `#takeDue` so that most turns
   * of the read loop skip the schedule without an await.
   */
  #shouldLookAtSchedule(now: number): boolean {
    return now - this.#nextEtaReadAt >= SCHEDULE_REFRESH_MS || (this.#nextEta !== null && this.#nextEta <= now);
  }

  /** Takes due scheduled calls into free slots; `true` when it took any. */
  async #takeDue(now: number): Promise<boolean> {
    if (now - this.#nextEtaReadAt >= SCHEDULE_REFRESH_MS) await this.#refreshNextEta();
    if (this.#nextEta === null || this.#nextEta > now) return false;
    const slots = this.#free;
    this.#free -= slots;
    let due: string[] = [];
    try {
      due = await this.#schedule!.due(new Date(now), slots);
    } finally {
      this.#free += slots - due.length;
    }
    for (const data of due) this.#dispatch(data, true);
    await this.#refreshNextEta();
    return due.length > 0;
  }

  async #refreshNextEta(): Promise<void> {
    const next = await this.#schedule!.nextEta();
    this.#nextEta = next === null ? null : next.getTime();
    this.#nextEtaReadAt = this.#clock().getTime();
  }

  /**
   * Runs one taken message in a slot already reserved for it. The slot is
   * freed as soon as the call has run, while its result is stored and its
   * message acknowledged: the next read overlaps that bookkeeping (on Redis
   * both share one round trip). At most `THREADS` calls are in bookkeeping
   * at once; beyond that a slot waits for its own.
   */
  #dispatch(data: string, fromSchedule: boolean): void {
    let released = false;
    let early = false;
    const release = (ran: boolean): void => {
      if (released) return;
      if (ran && this.#finishing >= this.#threads) return;
      released = true;
      early = ran;
      if (early) this.#finishing++;
      this.#free++;
      this.#wakeLoop?.();
    };
    const call = this.#handle(data, fromSchedule, () => release(true)).finally(() => {
      this.#inFlight.delete(call);
      if (early) this.#finishing--;
      release(false);
    });
    this.#inFlight.add(call);
  }

  /** Handles one message; `ran` is called once its call has run, before the bookkeeping. */
  async #handle(data: string, fromSchedule: boolean, ran: () => void = () => {}): Promise<void> {
    let command: QueueCommand;
    try {
      command = await this.invoker.commandFor(data, this.#importRoot);
    } catch (error) {
      await this.#deadLetter(data, error, fromSchedule);
      return;
    }
    const events = this.invoker.events;
    if (events.listenerCount('received') > 0) events.emit('received', { taskId: command.taskId, command: command.name, fromSchedule });
    if (command.eta !== null && command.eta.getTime() > this.#clock().getTime()) {
      await this.#scheduleLater(command, data, fromSchedule);
      return;
    }
    await this.#run(command, data, fromSchedule, ran);
  }

  async #run(command: QueueCommand, data: string, fromSchedule: boolean, ran: () => void): Promise<void> {
    const started = performance.now();
    const events = this.invoker.events;
    if (this.log.enabled('debug')) this.log.debug(`executing ${command.name} ${command.taskId}`);
    if (events.listenerCount('started') > 0) events.emit('started', { taskId: command.taskId, command: command.name });
    // the schedule's own copy is acknowledged by the schedule, not with the result
    const message = fromSchedule && !this.#schedule!.claims ? undefined : data;
    let acknowledged = false;
    try {
      let value: unknown;
      try {
        value = await this.#executor.run(command);
      } finally {
        ran();
      }
      acknowledged = await this.invoker.storeResult(command, value, message);
      if (this.log.enabled('debug')) this.log.debug(`${command.name} ${command.taskId} finished in ${(performance.now() - started).toFixed(1)} ms`);
      if (events.listenerCount('finished') > 0) events.emit('finished', { taskId: command.taskId, command: command.name, duration: performance.now() - started });
    } catch (error) {
      this.log.error(`unhandled exception in worker: ${command.name} ${command.taskId}\n${describeError(error)}`);
      if (events.listenerCount('failed') > 0) {
        events.emit('failed', { taskId: command.taskId, command: command.name, error: errorLine(error), retries: command.retries, duration: performance.now() - started });
      }
      try {
        if (command.retries > 0) {
          this.log.info(`re-enqueueing task ${command.taskId}, ${command.retries - 1} tries left`);
          const retry = retryOf(command, this.#clock());
          await this.invoker.enqueue(retry);
          if (events.listenerCount('retrying') > 0) events.emit('retrying', { taskId: command.taskId, command: command.name, retries: retry.retries, eta: retry.eta });
        } else {
          acknowledged = await this.invoker.storeError(command, error, message);
        }
      } catch (bookkeeping) {
        this.log.error(`could not record the failure of ${command.taskId}, leaving it unacknowledged: ${(bookkeeping as Error).message}`);
        return;
      }
    }
    if (!acknowledged) await this.#done(data, fromSchedule);
  }

  async #scheduleLater(command: QueueCommand, data: string, fromSchedule: boolean): Promise<void> {
    try {
      await this.#schedule!.add(data, command.eta!);
    } catch (error) {
      this.log.error(`could not schedule ${command.taskId}, leaving it unacknowledged: ${(error as Error).message}`);
      return;
    }
    if (this.log.enabled('debug')) this.log.debug(`scheduled ${command.name} ${command.taskId} for ${command.eta!.toISOString()}`);
    const events = this.invoker.events;
    if (events.listenerCount('scheduled') > 0) events.emit('scheduled', { taskId: command.taskId, command: command.name, eta: command.eta! });
    if (this.#nextEta === null || command.eta!.getTime() < this.#nextEta) this.#nextEta = command.eta!.getTime();
    await this.#done(data, fromSchedule);
  }

  async #deadLetter(data: string, error: unknown, fromSchedule: boolean): Promise<void> {
    const reason = error instanceof QueueException ? `${error.name}: ${error.message}` : `Error: ${String(error)}`;
    this.log.error(reason);
    const queue = this.invoker.queue;
    if (!queue.deadLetter) {
      this.log.error(`queue "${queue.name}" keeps no dead letters; the message was: ${data}`);
    } else {
      try {
        await queue.deadLetter(data, reason);
      } catch (failure) {
        this.log.error(`could not dead-letter the message, leaving it unacknowledged: ${(failure as Error).message}`);
        return;
      }
      const events = this.invoker.events;
      if (events.listenerCount('deadLettered') > 0) events.emit('deadLettered', { ...idOf(data), reason });
    }
    await this.#done(data, fromSchedule);
  }

  /** The call of `data` is done: acknowledge it (queue, or the schedule it came from). */
  async #done(data: string, fromSchedule: boolean): Promise<void> {
    try {
      if (fromSchedule && !this.#schedule!.claims) await this.#schedule!.done(data);
      else await this.invoker.queue.ack?.(data);
    } catch (error) {
      this.log.error(`could not acknowledge a message, it will be delivered again: ${(error as Error).message}`);
    }
  }

  async #recover(): Promise<void> {
    try {
      const count = await this.invoker.queue.recover!();
      if (count > 0) this.log.info(`recovered ${count} messages of dead consumers`);
      if (count > 0 && this.invoker.events.listenerCount('recovered') > 0) this.invoker.events.emit('recovered', { count });
    } catch (error) {
      this.log.error(`could not recover messages: ${(error as Error).message}`);
    }
  }

  #armPeriodic(): void {
    const now = this.#clock().getTime();
    const boundary = (Math.floor(now / MINUTE_MS) + 1) * MINUTE_MS;
    this.#once(boundary - now, async () => {
      // a timer can fire a little early or late: the minute is the boundary it was set for
      const last = Math.max(boundary, Math.floor(this.#clock().getTime() / MINUTE_MS) * MINUTE_MS);
      for (let minute = boundary; minute <= last; minute += MINUTE_MS) await this.enqueuePeriodic(new Date(minute));
      if (this.#running) this.#armPeriodic();
    });
  }

  #once(ms: number, run: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void run();
    }, ms);
    this.#timers.add(timer);
  }

  #every(ms: number, run: () => Promise<void>): void {
    this.#once(ms, async () => {
      await run();
      if (this.#running) this.#every(ms, run);
    });
  }

  /** Sleeps `ms`, or less when `stop()` or a finished call wakes the loop. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeLoop = done;
    });
  }
}

/** The next try of a failed call: same id, one retry fewer, after `retryDelay`. */
function retryOf(command: QueueCommand, now: Date): QueueCommand {
  const eta = command.retryDelay > 0 ? new Date(now.getTime() + command.retryDelay * 1000) : null;
  return new QueueCommand(command.definition, command.args, {
    taskId: command.taskId,
    eta,
    retries: command.retries - 1,
    retryDelay: command.retryDelay,
    enqueuedAt: command.enqueuedAt,
  });
}

/** The id and command a raw message names, as far as it can be read: dead letters are often unreadable. */
function idOf(data: string): { taskId: string | undefined; command: string | undefined } {
  try {
    const message = JSON.parse(data) as { id?: unknown; command?: unknown };
    return { taskId: typeof message.id === 'string' ? message.id : undefined, command: typeof message.command === 'string' ? message.command : undefined };
  } catch {
    // not JSON: a malformed message names nothing
    return { taskId: undefined, command: undefined };
  }
}

/** An error as one line, `Name: message`. */
function errorLine(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}
