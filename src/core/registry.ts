/**
 * The command registry: name <-> command. Decorating a function registers it
 * here; the consumer looks up the name each message carries. A name the
 * consumer does not know makes it import the defining module once and look
 * again, the lesson of "Understanding how commands are imported".
 *
 * @module
 */
import { pathToFileURL } from 'node:url';
import { ConfigurationError, QueueException } from '../exceptions.js';
import { commandModule, moduleFile } from './paths.js';

/** A function that tells whether a periodic command runs in the minute of `date`; what {@link decorators!crontab} returns. */
export type DateValidator = (date: Date, options?: { utc?: boolean }) => boolean;

/** A registered command: the function and how to call it. */
export interface CommandDefinition {
  /** The command's name, `<module>.<function>`, e.g. `commands.countBeans`. */
  readonly name: string;
  /** The function the consumer runs. */
  readonly fn: (...args: never[]) => unknown;
  /** The URL of the defining module as imported (with any query string), when known. */
  readonly moduleUrl: string | undefined;
  /** How many times a failing call is tried again. */
  readonly retries: number;
  /** Seconds between a failure and its retry. */
  readonly retryDelay: number;
  /** Seconds a call may run before it fails with `TimeoutError`; no limit when absent. */
  readonly timeout?: number;
  /** For periodic commands: which minutes the command runs in. */
  readonly validator?: DateValidator;
  /** The priority of its calls unless a call says otherwise; higher runs first. */
  readonly priority?: number;
  /** When its calls expire unless a call says otherwise: seconds after enqueue, or an instant. */
  readonly expires?: number | Date;
  /** The lock every call runs under. */
  readonly lock?: string;
  /** At most `calls` of its calls start in any `per` seconds, across consumers. */
  readonly rateLimit?: RateLimit;
  /** At most this many of its calls run at once, across consumers. */
  readonly concurrency?: number;
}

/** A rate limit: at most `calls` starts in any window of `per` seconds. */
export interface RateLimit {
  /** How many calls may start in one window: a positive integer. */
  readonly calls: number;
  /** The window, in seconds: a positive number. */
  readonly per: number;
}

/** What one registration changed, for the reload log: `~` replaced, `+` new. */
export type RegisterOutcome = 'added' | 'replaced' | 'unchanged';

/**
 * Maps command names to their definitions.
 *
 * Each {@link queue!Invoker | Invoker} uses the shared {@link registry} unless given its own.
 */
export class CommandRegistry {
  #commands = new Map<string, CommandDefinition>();
  #imported = new Set<string>();

  /**
   * Registers a command under its name.
   *
   * The same module imported again (a hot reload: same file, another URL)
   * replaces its commands; any other command under a taken name is an error.
   *
   * @throws ConfigurationError when the name belongs to another function.
   */
  register(command: CommandDefinition): RegisterOutcome {
    const existing = this.#commands.get(command.name);
    if (existing === undefined) {
      this.#commands.set(command.name, command);
      return 'added';
    }
    if (existing.fn === command.fn) return 'unchanged';
    const sameFile = existing.moduleUrl !== undefined && command.moduleUrl !== undefined && moduleFile(existing.moduleUrl) === moduleFile(command.moduleUrl);
    if (!sameFile || existing.moduleUrl === command.moduleUrl) {
      throw new ConfigurationError(
        `Command name "${command.name}" is already taken by another function` +
          (existing.moduleUrl ? ` (defined in ${existing.moduleUrl})` : '') +
          '; pass a different `name` to the decorator',
      );
    }
    this.#commands.set(command.name, command);
    return 'replaced';
  }

  /** Removes a command; `true` when it was registered. */
  unregister(name: string): boolean {
    return this.#commands.delete(name);
  }

  /** The command registered under `name`, if any. */
  get(name: string): CommandDefinition | undefined {
    return this.#commands.get(name);
  }

  /** Every registered name, sorted. */
  names(): string[] {
    return [...this.#commands.keys()].sort();
  }

  /** Every registered command. */
  commands(): CommandDefinition[] {
    return [...this.#commands.values()];
  }

  /** The commands whose defining module is `file` (any import of it). */
  commandsOf(file: string): CommandDefinition[] {
    return this.commands().filter((command) => command.moduleUrl !== undefined && moduleFile(command.moduleUrl) === file);
  }

  /**
   * Finds `name`, importing its module once if it is not registered yet.
   *
   * The module part of the name (`apps/billing/tasks` of
   * `apps/billing/tasks.charge`) is resolved against `root`, trying `.js`,
   * `.mjs` and `.cjs`. Names come from messages, which anyone who can write
   * to the queue chooses, so a module is imported only when its real path
   * (symlinks resolved) is under `root` and not under `node_modules/`. Each
   * module is tried at most once per registry.
   *
   * @param name - The command name from a message.
   * @param root - Where command names start: the package root of the consumer's configuration module, or its TypeScript build folder.
   * @returns The command, or `undefined` when it is still unknown.
   * @throws QueueException when the name's module may not be imported, saying why.
   * @throws The import's own error when the module exists but fails to load.
   */
  async load(name: string, root: string): Promise<CommandDefinition | undefined> {
    const known = this.#commands.get(name);
    if (known !== undefined) return known;
    const dot = name.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const { file, refused } = commandModule(root, name.slice(0, dot));
    if (refused !== undefined) throw new QueueException(`${name} not imported: ${refused}`);
    if (file === undefined || this.#imported.has(file)) return undefined;
    this.#imported.add(file);
    await import(pathToFileURL(file).href);
    return this.#commands.get(name);
  }
}

/** The registry every invoker uses unless it is given its own. */
export const registry = new CommandRegistry();
