/**
 * `huey-consumer <module.Attribute> [options]`: the command line of the
 * consumer. Parses options (commander), loads the configuration, starts a
 * {@link Consumer}, and stops it on SIGTERM or SIGINT.
 *
 * @internal
 * @module
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BaseQueue } from '../backends/base.js';
import { ConfigurationError, QueueException } from '../exceptions.js';
import { Invoker } from '../invoker/invoker.js';
import { registry } from '../core/registry.js';
import type { BaseConfiguration, LogLevel, WorkerType } from '../running/config.js';
import { checkConfiguration } from '../running/check-config.js';
import { Consumer } from '../running/consumer.js';
import { loadConfig } from '../running/load.js';
import { Reloader } from '../running/reload.js';

/** Where the CLI writes; replaceable in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Installs the signal handlers; returns a function that removes them. */
  onSignals?: (handler: (signal: NodeJS.Signals) => void) => () => void;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  onSignals: (handler) => {
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
    return () => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
    };
  },
};

interface CliOptions {
  path?: string[];
  threads?: number;
  logfile?: string;
  verbose?: boolean;
  quiet?: boolean;
  periodic?: boolean;
  reload?: boolean;
  workerType?: WorkerType;
  trace?: boolean;
  debug?: boolean;
}

/** How long start-up waits for the queue's backend to answer before it gives up, in ms. */
const REACH_TIMEOUT_MS = 10_000;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

function program(io: CliIo): Command {
  return new Command('huey-consumer')
    .description('Run the calls queued by huey commands.')
    .argument('<config>', 'the configuration class as module.Attribute, e.g. main.Configuration')
    .addOption(new Option('-p, --path <dir>', 'a directory to import the configuration module from, searched before the current one; repeatable').argParser((dir: string, dirs: string[] = []) => [...dirs, dir]))
    // defaults come from the configuration, loaded after parsing: the help names them
    .addOption(new Option('-t, --threads <n>', 'how many calls run at once (default: THREADS, 1)').argParser(positiveInt))
    .addOption(new Option('-l, --logfile <file>', 'also append the log to this file, rotating at 1 MiB (default: LOGFILE, none)'))
    .addOption(new Option('-v, --verbose', 'log debug messages too (default: LOGLEVEL, info)').conflicts('quiet'))
    .addOption(new Option('-q, --quiet', 'log only warnings and errors (default: LOGLEVEL, info)'))
    .addOption(new Option('--periodic', 'enqueue periodic commands (default: PERIODIC, false)'))
    .addOption(new Option('--no-periodic', 'do not enqueue periodic commands'))
    .addOption(new Option('-k, --worker-type <type>', 'where calls run: async, thread or process (default: WORKER_TYPE, async)').choices(['async', 'thread', 'process']))
    .addOption(new Option('-r, --reload', 'reload command modules when their files change (default: RELOAD, false)'))
    .addOption(new Option('--trace', "append every event to the queue's trace, for huey trace (default: TRACE, false)"))
    .addOption(new Option('--debug', 'show the stack trace of a start-up error'))
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
}

/** The configuration with the command line's overrides applied. */
function withOverrides(Configuration: typeof BaseConfiguration, options: CliOptions): typeof BaseConfiguration {
  const level: LogLevel | undefined = options.verbose ? 'debug' : options.quiet ? 'warn' : undefined;
  return class extends Configuration {
    static override THREADS = options.threads ?? Configuration.THREADS;
    static override LOGFILE = options.logfile ?? Configuration.LOGFILE;
    static override LOGLEVEL = level ?? Configuration.LOGLEVEL;
    static override PERIODIC = options.periodic ?? Configuration.PERIODIC;
    static override RELOAD = options.reload ?? Configuration.RELOAD;
    static override WORKER_TYPE = options.workerType ?? Configuration.WORKER_TYPE;
    static override TRACE = options.trace ?? Configuration.TRACE;
  };
}

/**
 * Runs the consumer command line.
 *
 * @param argv - The arguments after the program name.
 * @param io - Where output goes and how signals arrive.
 * @returns The exit code: 0 after a clean shutdown, 1 for bad usage or a start-up error.
 */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const cli = program(io);
  if (argv.length === 0) {
    io.stderr(cli.helpInformation());
    return 1;
  }
  try {
    cli.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    throw error;
  }
  const options = cli.opts<CliOptions>();
  let consumer: Consumer;
  let reloader: Reloader | undefined;
  let Configuration: typeof BaseConfiguration;
  try {
    const loaded = await loadConfig(cli.args[0]!, { paths: options.path });
    if (loaded.Configuration.QUEUE === undefined) throw new ConfigurationError(`Missing module-level "QUEUE" setting: set static QUEUE on ${cli.args[0]}`);
    Configuration = withOverrides(loaded.Configuration, options);
    checkConfiguration(Configuration);
    const queue = Configuration.QUEUE!;
    const invoker = new Invoker(queue, {
      ...(Configuration.RESULT_STORE ? { resultStore: Configuration.RESULT_STORE } : {}),
      ...(Configuration.TASK_STORE ? { taskStore: Configuration.TASK_STORE } : {}),
      registry,
    });
    const attribute = cli.args[0]!.slice(cli.args[0]!.lastIndexOf('.') + 1);
    const started = new Consumer(invoker, Configuration, { importRoot: loaded.root, configModule: { file: loaded.file, attribute } });
    consumer = started;
    if (Configuration.RELOAD) {
      reloader = new Reloader(registry, consumer.log, { configFile: loaded.file, root: loaded.root, onReload: () => started.restartWorkers(), events: invoker.events });
    }
  } catch (error) {
    io.stderr(startupError(error, options.debug));
    return 1;
  }

  let signals = 0;
  let stopped!: () => void;
  const stopping = new Promise<void>((resolve) => (stopped = resolve));
  const removeHandlers = io.onSignals?.((signal) => {
    signals += 1;
    if (signals > 1) {
      consumer.log.warn(`${signal} again: stopping the calls in flight now; they go back to the queue`);
      consumer.hurry();
      return;
    }
    consumer.log.info(`${signal} received: finishing calls in flight (send it again to exit at once)`);
    stopped();
  });
  try {
    try {
      await answersWithin(Configuration.QUEUE!, REACH_TIMEOUT_MS);
      await consumer.start();
    } catch (error) {
      io.stderr(startupError(error, options.debug));
      await closeBackends(Configuration);
      return 1;
    }
    await reloader?.start();
    await stopping;
    await reloader?.close();
    await consumer.stop();
    await closeBackends(Configuration);
  } finally {
    removeHandlers?.();
  }
  return 0;
}

/**
 * Asks the queue's backend one question, so that a Redis on a wrong port or
 * a server that never answers is one line at start instead of a loop of errors.
 *
 * @throws QueueException naming the queue and the cause.
 */
async function answersWithin(queue: BaseQueue, timeoutMs: number): Promise<void> {
  const timeout = new AbortController();
  const gaveUp = sleep(timeoutMs, 'timeout' as const, { signal: timeout.signal }).catch(() => undefined);
  let answer: number | 'timeout' | undefined;
  try {
    answer = await Promise.race([queue.length(), gaveUp]);
  } catch (error) {
    throw new QueueException(`Cannot reach queue "${queue.name}": ${(error as Error).message}`, { cause: error });
  } finally {
    timeout.abort();
  }
  if (answer === 'timeout') throw new QueueException(`Cannot reach queue "${queue.name}": no answer within ${timeoutMs / 1000} s`);
}

/** A start-up error as one line (with `--debug`, its stack too). */
function startupError(error: unknown, debug = false): string {
  if (!(error instanceof Error)) return `${String(error)}\n`;
  if (debug) return `${error.stack ?? error.message}\n`;
  // a configuration error's own message may go on with a second line (the cause of a failed import)
  return `${error instanceof ConfigurationError ? error.message : `${error.name}: ${error.message}`}\n`;
}

async function closeBackends(Configuration: typeof BaseConfiguration): Promise<void> {
  const backends = new Set([Configuration.QUEUE, Configuration.RESULT_STORE, Configuration.TASK_STORE]);
  for (const backend of backends) {
    try {
      await backend?.close?.();
    } catch {
      // closing after a failed start: the backend may be the very thing that failed
    }
  }
}
