/**
 * The consumer: the process that reads calls from the queue and runs them.
 * It is what users start (`huey-consumer main.Configuration`), watch and
 * stop; {@link Consumer} is the same engine for use inside a program. It
 * wires the parts together: the read loop (`read-loop.ts`) takes messages,
 * each message's fate (`fate.ts`) decides what becomes of it, and
 * `periodic.ts` enqueues the periodic commands.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BaseQueue } from '../backends/base.js';
import { ConfigurationError } from '../exceptions.js';
import { startTrace, tracerOf } from '../trace.js';
import { CommandSchedule, Invoker } from '../queue.js';
import * as check from '../validate.js';
import { BaseConfiguration, type LogLevel } from './config.js';
import { checkConfiguration } from './check-config.js';
import { importCommands } from './discover.js';
import { Fate, idOf } from './fate.js';
import { Logger, type LogSink } from './logger.js';
import { Periodic } from './periodic.js';
import { ReadLoop } from './read-loop.js';
import { backendSchedule, memorySchedule, type Schedule } from './schedule.js';
import { AsyncExecutor, PoolExecutor, type Executor } from './workers.js';

export { loadConfig, type LoadedConfig, type LoadConfigOptions } from './load.js';

/** How long one blocking read waits before the loop looks around (shutdown, schedule), in ms. */
const READ_TIMEOUT_MS = 1000;
/** How often dead consumers' messages are recovered, in ms. */
const RECOVER_INTERVAL_MS = 5000;

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

/** The parts a started (or stepped) consumer works with, made once. */
interface Parts {
  schedule: Schedule;
  fate: Fate;
  loop: ReadLoop;
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

  readonly #options: ConsumerOptions;
  readonly #clock: () => Date;
  readonly #periodic: Periodic;
  /** Aborted by `stop()`: ends the timers. */
  #stopping = new AbortController();
  /** Aborted when `stop()` stops waiting for calls in bookkeeping. */
  #giveUp = new AbortController();
  #executor: Executor = new AsyncExecutor();
  #parts: Promise<Parts> | undefined;
  #loop: ReadLoop | undefined;
  #timers: Promise<void>[] = [];
  #running = false;

  /**
   * @param invoker - The invoker to read and run calls with.
   * @param config - The configuration class: `THREADS`, `PERIODIC`, `LOGLEVEL`...
   * @param options - Embedding and testing options.
   * @throws ConfigurationError for an invalid setting, naming it and the fix.
   */
  constructor(invoker: Invoker, config: typeof BaseConfiguration = BaseConfiguration, options: ConsumerOptions = {}) {
    if (!(invoker instanceof Invoker)) check.expected('invoker', 'an Invoker', invoker);
    checkConfiguration(config, { queueRequired: false });
    this.invoker = invoker;
    this.config = config;
    this.#options = options;
    this.#clock = options.clock ?? (() => new Date());
    this.log = new Logger({ level: config.LOGLEVEL as LogLevel, file: config.LOGFILE, ...(options.logSink ? { sink: options.logSink } : {}) });
    this.#periodic = new Periodic(invoker, this.log, this.#clock, config.UTC);
  }

  /** How many messages are being handled now: calls running, or their results being stored. */
  get inFlight(): number {
    return this.#loop?.inFlight.size ?? 0;
  }

  /**
   * Starts receiving: logs the registered commands, loads the saved
   * schedule, recovers dead consumers' messages, and starts the read loop
   * and the periodic timer.
   *
   * @returns A promise that resolves once the consumer is receiving.
   * @throws ConfigurationError when `COMMANDS` cannot be imported or workers cannot start.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    const { config, invoker } = this;
    const module = this.#options.configModule;
    if ((config.COMMANDS.length > 0 || config.WORKER_TYPE !== 'async') && module === undefined) {
      throw new ConfigurationError('COMMANDS and thread or process workers need the `configModule` option (the CLI passes it)');
    }
    if (config.COMMANDS.length > 0) await importCommands(module!.file, config.COMMANDS, (file) => this.log.info(`imported ${file} (COMMANDS)`));
    if (config.WORKER_TYPE !== 'async') {
      const root = this.#options.importRoot ?? module!.file.replace(/[/\\][^/\\]*$/, '');
      this.#executor = new PoolExecutor(config.WORKER_TYPE, config.THREADS, { configFile: module!.file, attribute: module!.attribute, root }, this.log);
    }
    await this.#executor.start();
    this.log.info('huey initialized with following commands');
    for (const name of invoker.registry.names()) this.log.info(`+ ${name}`);
    this.#stopping = new AbortController();
    this.#giveUp = new AbortController();
    const { loop } = await this.#prepare();
    if (invoker.queue.recover) {
      await this.#recover();
      this.#timers.push(this.#recoverEvery(this.#stopping.signal));
    }
    if (config.PERIODIC) this.#timers.push(this.#periodic.every(this.#stopping.signal));
    this.#running = true;
    this.#loop = loop;
    loop.start();
    this.log.info(`consumer started: ${config.THREADS} at a time (${config.WORKER_TYPE} workers), reading queue "${invoker.queue.name}"`);
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
    const { schedule, fate } = await this.#prepare();
    const now = this.#clock();
    const [due] = await schedule.due(now, 1);
    if (due !== undefined) {
      await fate.handle(due, 'schedule');
      return { kind: 'scheduled', ...idOf(due) };
    }
    if (this.config.PERIODIC && this.#periodic.isDue(now)) return { kind: 'periodic', enqueued: await this.enqueuePeriodic(now) };
    const data = await this.invoker.queue.read(0);
    if (data === null) return { kind: 'idle' };
    await fate.handle(data, 'queue');
    return { kind: 'message', ...idOf(data) };
  }

  /**
   * Stops reading, lets calls in flight finish for up to `SHUTDOWN_TIMEOUT`
   * seconds (unfinished ones stay unacknowledged, for recovery), and saves
   * the schedule. Backends are left open: the caller owns them, and closing
   * the queue takes this consumer off the backend's list of consumers.
   *
   * @returns A promise that resolves once the consumer has stopped.
   */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    const { loop, schedule } = await this.#prepare();
    this.#stopping.abort();
    await loop.stop();
    await Promise.all(this.#timers);
    this.#timers = [];
    const pending = [...loop.inFlight];
    if (pending.length > 0) {
      this.log.info(`waiting for ${pending.length} calls in flight`);
      const timeout = sleep(this.config.SHUTDOWN_TIMEOUT * 1000, 'timeout' as const, { signal: this.#giveUp.signal }).catch(() => 'timeout' as const);
      if ((await Promise.race([Promise.allSettled(pending), timeout])) === 'timeout') {
        this.log.warn(`${loop.inFlight.size} calls still running after ${this.config.SHUTDOWN_TIMEOUT} s: left unacknowledged for recovery`);
      }
    }
    // bookkeeping stops trying now; the last step it takes (a dead letter) is awaited, a call still running is not
    this.#giveUp.abort();
    await Promise.allSettled(loop.settling);
    await this.#executor.close();
    await schedule.save();
    await tracerOf(this.invoker)?.flush();
    this.#parts = undefined;
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
  enqueuePeriodic(minute: Date): Promise<string[]> {
    return this.#periodic.enqueue(minute);
  }

  /** Makes the schedule (the backend's or the in-memory one, loaded), the fate and the read loop; once. */
  #prepare(): Promise<Parts> {
    this.#parts ??= this.#makeParts();
    return this.#parts;
  }

  async #makeParts(): Promise<Parts> {
    const { invoker, config, log } = this;
    const queue = invoker.queue;
    if (config.TRACE) startTrace(invoker);
    let schedule: Schedule;
    if (queue.schedule && queue.due && queue.nextEta) {
      schedule = backendSchedule(queue as Required<Pick<BaseQueue, 'schedule' | 'due' | 'nextEta'>>);
    } else {
      const saved = new CommandSchedule(invoker);
      for (const data of await saved.load()) log.error(`QueueReadException: unreadable entry in the saved schedule, skipped: ${data}`);
      if (saved.size > 0) log.info(`loaded ${saved.size} scheduled calls from the task store`);
      schedule = memorySchedule(saved);
    }
    let loop: ReadLoop | undefined;
    const fate = new Fate({
      invoker,
      log,
      clock: this.#clock,
      executor: this.#executor,
      schedule,
      importRoot: config.COMMANDS.length > 0 ? undefined : this.#options.importRoot,
      maxDelayMs: config.MAX_DELAY * 1000,
      giveUp: this.#giveUp.signal,
      onScheduled: (eta) => loop?.scheduled(eta),
    });
    loop = new ReadLoop({
      queue,
      schedule,
      fate,
      log,
      clock: this.#clock,
      threads: config.THREADS,
      readTimeoutMs: this.#options.readTimeoutMs ?? READ_TIMEOUT_MS,
      polling: { initialMs: config.INITIAL_DELAY * 1000, maxMs: config.MAX_DELAY * 1000, backoff: config.BACKOFF },
    });
    await loop.refreshNextEta();
    return { schedule, fate, loop };
  }

  async #recoverEvery(signal: AbortSignal): Promise<void> {
    for (;;) {
      try {
        await sleep(RECOVER_INTERVAL_MS, undefined, { signal });
      } catch {
        return; // stopped
      }
      await this.#recover();
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
}
