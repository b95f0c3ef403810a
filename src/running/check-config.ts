/**
 * The configuration checked at start, so that each mistake is one line
 * naming the attribute and the fix, before anything runs: a `QUEUE` that
 * is a string, a `LOGLEVEL` nobody knows, a `LOGFILE` in a folder that
 * cannot be written.
 *
 * @internal
 * @module
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigurationError } from '../exceptions.js';
import * as check from '../core/validate.js';
import { BaseConfiguration } from './config.js';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];
const WORKER_TYPES = ['async', 'thread', 'process'];
const FLAGS = ['PERIODIC', 'UTC', 'RELOAD', 'TRACE'] as const;

/**
 * Checks every setting of a configuration class.
 *
 * @param config - The configuration class.
 * @param options - `queueRequired: false` for a consumer given its invoker (and so its queue) directly.
 * @throws ConfigurationError naming the first wrong attribute and how to fix it.
 */
export function checkConfiguration(config: typeof BaseConfiguration, options: { queueRequired?: boolean } = {}): void {
  if (!extendsBaseConfiguration(config)) {
    throw new ConfigurationError(`The configuration ${describeClass(config)} does not extend BaseConfiguration: declare it as \`class Configuration extends BaseConfiguration { ... }\` (import { BaseConfiguration } from 'huey/bin/config')`);
  }
  const queueGiven = config.QUEUE !== undefined || (options.queueRequired ?? true);
  if (queueGiven && !isBackend(config.QUEUE, ['write', 'read', 'flush', 'length'])) {
    throw new ConfigurationError(`\`QUEUE\` is ${check.describe(config.QUEUE)}, not a queue: set it to a backend, e.g. static QUEUE = new FileQueue('tasks', { path: './huey-data' })`);
  }
  for (const name of ['RESULT_STORE', 'TASK_STORE'] as const) {
    const store = config[name];
    if (store !== undefined && store !== null && !isBackend(store, ['put', 'get', 'flush'])) {
      throw new ConfigurationError(`\`${name}\` is ${check.describe(store)}, not a data store: set it to a store, e.g. static ${name} = new FileDataStore('results', { path: './huey-data' }), or leave it out`);
    }
  }
  if (!LOG_LEVELS.includes(config.LOGLEVEL)) {
    throw new ConfigurationError(`\`LOGLEVEL\` is ${check.describe(config.LOGLEVEL)}: use one of ${LOG_LEVELS.map((level) => `'${level}'`).join(', ')}`);
  }
  checkLogFile(config.LOGFILE);
  check.positiveInteger('THREADS', config.THREADS, 1);
  check.positiveInteger('MAX_DELIVERIES', config.MAX_DELIVERIES, 5);
  check.nonNegativeInteger('HISTORY', config.HISTORY, 1000);
  check.seconds('INITIAL_DELAY', config.INITIAL_DELAY, 0.1);
  check.seconds('MAX_DELAY', config.MAX_DELAY, 10);
  check.seconds('SHUTDOWN_TIMEOUT', config.SHUTDOWN_TIMEOUT, 30);
  if (typeof config.BACKOFF !== 'number' || !(config.BACKOFF >= 1) || !Number.isFinite(config.BACKOFF)) check.expected('BACKOFF', 'a number of at least 1', config.BACKOFF);
  if (!WORKER_TYPES.includes(config.WORKER_TYPE)) check.expected('WORKER_TYPE', '"async", "thread" or "process"', config.WORKER_TYPE);
  for (const flag of FLAGS) if (typeof config[flag] !== 'boolean') check.expected(flag, 'true or false', config[flag]);
  if (!Array.isArray(config.COMMANDS) || !config.COMMANDS.every((entry) => typeof entry === 'string')) check.expected('COMMANDS', 'an array of module paths', config.COMMANDS);
}

/** `LOGFILE`: absent, or a file that can be appended to (its folder exists and is writable). */
function checkLogFile(file: unknown): void {
  if (file === undefined || file === null) return;
  if (typeof file !== 'string' || file === '') check.expected('LOGFILE', 'a file path', file);
  const path = resolve(file);
  const target = existsSync(path) ? path : dirname(path);
  try {
    accessSync(target, constants.W_OK);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'its folder does not exist' : 'it cannot be written';
    throw new ConfigurationError(`\`LOGFILE\` "${file}" cannot be used: ${why}; create the folder or choose another file (--logfile)`);
  }
}

/** Whether `config` is BaseConfiguration or extends it, also another copy of huey's (a dependency's own). */
function extendsBaseConfiguration(config: unknown): boolean {
  if (typeof config !== 'function') return false;
  for (let cls: unknown = config; typeof cls === 'function'; cls = Object.getPrototypeOf(cls)) {
    if (cls === BaseConfiguration || (cls as { name?: string }).name === 'BaseConfiguration') return true;
  }
  return false;
}

/** The class by its name: the first named one up its chain (the CLI wraps the user's class to apply its options). */
function describeClass(config: unknown): string {
  if (typeof config !== 'function') return check.describe(config);
  for (let cls: unknown = config; typeof cls === 'function' && cls !== Function.prototype; cls = Object.getPrototypeOf(cls)) {
    const name = (cls as { name?: string }).name;
    if (name) return `"${name}"`;
  }
  return 'class';
}

/** Duck-typed: a queue or store from another copy of huey is one too. */
function isBackend(value: unknown, methods: readonly string[]): boolean {
  return typeof value === 'object' && value !== null && methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function');
}
