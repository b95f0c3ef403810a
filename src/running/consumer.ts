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
import { ConfigurationError, ShutdownError } from '../exceptions.js';
import { namesOf } from '../core/message.js';
import { announceCommands, withdrawCommands } from '../controls/known-commands.js';
import { historyOf } from '../observe/history.js';
import { tracerOf } from '../observe/trace.js';
import { Invoker } from '../invoker/invoker.js';
import * as check from '../core/validate.js';
import { BaseConfiguration, type LogLevel } from './config.js';
import { checkConfiguration } from './check-config.js';
import { importCommands } from './discover.js';
import { Logger } from './logger.js';
import { Periodic } from './periodic.js';
import { ReadLoop } from './read-loop.js';
import { assemble, type Parts } from './parts.js';
import { recoverEvery, recoverOnce } from './recovery.js';
import { moduleOf, type ConsumerOptions, type StepResult } from './consumer-options.js';
import { watchRunning } from './running-watch.js';
import { ABORT_GRACE_MS } from './worker-protocol.js';
import { AsyncExecutor, startExecutor, type Executor } from './workers.js';


/**
 * Reads calls from the invoker's queue and runs them, at most `THREADS` at a time; keeps calls
 * with an eta until due; enqueues periodic commands; retries failures; dead-letters what cannot run.
 *
 * @example
 * ```ts
 * const consumer = new Consumer(invoker, Configuration);
 * await consumer.start();   // resolves once it is receiving
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
  /** Aborted by `stop()` to end the timers, and once it stops waiting for calls in bookkeeping. */
  #stopping = new AbortController();
  #giveUp = new AbortController();
  /** Aborted by `hurry()`: shutdown stops waiting for calls in flight. */
  #hurry = new AbortController();
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
    if (config.COMMANDS.length > 0) await importCommands(moduleOf(module, 'COMMANDS').file, config.COMMANDS, (file) => this.log.info(`imported ${file} (COMMANDS)`));
    this.#executor = await startExecutor(config, config.WORKER_TYPE === 'async' ? undefined : moduleOf(module, 'thread or process workers'), this.#options.importRoot, this.log);
    this.log.info('huey initialized with following commands');
    for (const name of invoker.registry.names()) this.log.info(`+ ${name}`);
    await announceCommands(invoker.queue, invoker.registry.names()).catch(() => {}); // a hint for others' dead letters: never worth failing a start
    this.#stopping = new AbortController();
    this.#giveUp = new AbortController();
    this.#hurry = new AbortController();
    const { loop, fate } = await this.#prepare();
    this.#timers.push(watchRunning(invoker.queue, fate, this.log, this.#stopping.signal));
    if (invoker.queue.recover) {
      await recoverOnce(invoker, this.log);
      this.#timers.push(recoverEvery(invoker, this.log, this.#stopping.signal));
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
      return { kind: 'scheduled', ...namesOf(due) };
    }
    if (this.config.PERIODIC && this.#periodic.isDue(now)) return { kind: 'periodic', enqueued: await this.enqueuePeriodic(now) };
    const data = await this.invoker.queue.read(0);
    if (data === null) return { kind: 'idle' };
    await fate.handle(data, 'queue');
    return { kind: 'message', ...namesOf(data) };
  }

  /**
   * Stops reading, lets calls in flight finish for up to `SHUTDOWN_TIMEOUT` seconds (unfinished
   * ones stay unacknowledged, for recovery), and saves the schedule. Backends are left open: the
   * caller owns them, and closing the queue takes this consumer off the backend's list of consumers.
   *
   * @returns A promise that resolves once the consumer has stopped.
   */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    const { loop, schedule, fate } = await this.#prepare();
    this.#stopping.abort();
    await loop.stop();
    await Promise.all(this.#timers);
    this.#timers = [];
    if (!(await loop.drain(this.config.SHUTDOWN_TIMEOUT * 1000, this.#hurry.signal))) {
      // what still runs is told to stop, given its grace, then left unacknowledged: the queue gives it back
      this.log.warn(`${fate.running.size} calls still running after ${this.#hurry.signal.aborted ? 'a second signal' : `${this.config.SHUTDOWN_TIMEOUT} s`}: stopping them`);
      fate.abortAll(new ShutdownError('the consumer is shutting down'));
      await loop.drain(ABORT_GRACE_MS + 200);
    }
    // bookkeeping stops trying now; the last step it takes (a dead letter) is awaited, a call still running is not
    this.#giveUp.abort();
    await Promise.allSettled(loop.settling);
    await this.#executor.close();
    await schedule.save();
    await withdrawCommands(this.invoker.queue).catch(() => {}); // it expires by itself
    await tracerOf(this.invoker)?.flush();
    await historyOf(this.invoker)?.flush();
    this.#parts = undefined;
    this.log.info('consumer stopped');
  }

  /** Makes a shutdown in progress stop waiting for calls in flight: they are stopped and go back to the queue now (a second SIGTERM). */
  hurry(): void {
    this.#hurry.abort();
  }

  /** Starts fresh thread or process workers (they import the commands anew) and tells the other consumers what it now runs; hot reload calls it. */
  async restartWorkers(): Promise<void> {
    await this.#executor.restart();
    await announceCommands(this.invoker.queue, this.invoker.registry.names()).catch(() => {});
  }

  /**
   * Enqueues the periodic commands whose crontab accepts the minute of
   * `minute`, once per minute (with a backend `lease`, once across
   * consumers). The timer calls it at each minute; tests with theirs.
   *
   * @param minute - Any instant in the minute.
   * @returns The names of the commands enqueued.
   */
  enqueuePeriodic(minute: Date): Promise<string[]> {
    return this.#periodic.enqueue(minute);
  }

  /** Makes the schedule, the fate and the read loop; once. */
  #prepare(): Promise<Parts> {
    const { invoker, config, log } = this;
    this.#parts ??= assemble({ invoker, config, log, clock: this.#clock, executor: this.#executor, importRoot: this.#options.importRoot, readTimeoutMs: this.#options.readTimeoutMs, giveUp: this.#giveUp.signal });
    return this.#parts;
  }
}
