/**
 * `huey <subcommand> <module.Attribute>`: look inside a queue from the
 * shell, pointed at the same configuration as the consumer. `info`,
 * `peek`, `trace`, `history`, `dead-letters`, `enqueue`, `flush` and `web`; human-readable by
 * default, `--json` for scripts. Every look uses an optional member of the
 * backend contract (`backends/base.ts`) and says so when the backend lacks it.
 *
 * @internal
 * @module
 */
import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, Option } from 'commander';
import type { BaseDataStore, BaseQueue } from '../backends/base.js';
import type { DeadLetter } from '../backends/dead-letters.js';
import { canInspect } from '../backends/inspection.js';
import { deadLettersOf } from '../controls/dead-letters.js';
import { ConfigurationError, QueueException } from '../exceptions.js';
import { idProblem } from '../core/message.js';
import { printable } from '../core/printable.js';
import { Invoker } from '../invoker/invoker.js';
import { QueueCommand } from '../core/command.js';
import { registry } from '../core/registry.js';
import { expiryOf } from '../core/command.js';
import * as check from '../core/validate.js';
import { messageId, startTrace, tracerOf } from '../observe/trace.js';
import type { BaseConfiguration } from '../running/config.js';
import { age, describeControls, describeLine, describeMessage, info, reach, Refusal, stamp, traceReport, type Backends } from '../observe/inspection.js';
import { loadConfig } from '../running/load.js';
import { formatHistory, readHistory } from './history.js';

/** Where the inspect CLI writes and how it asks; replaceable in tests. */
export interface InspectIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Asks a yes/no question; resolves `true` for yes. */
  confirm?: (question: string) => Promise<boolean>;
  /** The current time, for ages ("2 min ago"). @defaultValue `() => new Date()` */
  now?: () => Date;
  /** Leave the configuration's backends open at the end (tests that share them). @defaultValue `false` */
  keepOpen?: boolean;
  /** For `huey web`: installs the stop handler; returns a function that removes it. @defaultValue SIGINT and SIGTERM */
  onSignals?: (handler: () => void) => () => void;
}

const defaultIo: InspectIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  confirm: async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      // standard input closed (a script, `< /dev/null`): no answer will come
      const answer = await new Promise<string | undefined>((resolve) => {
        rl.once('close', () => resolve(undefined));
        rl.question(question).then(resolve, () => resolve(undefined));
      });
      if (answer === undefined) throw new Refusal('no answer: standard input is closed; pass --yes to go on without asking');
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  },
};

/** A number given on the command line, as a number (`NaN` when it is not one, for the checks to name). */
const numberOption = (text: string): number | string => (text.trim() === '' || Number.isNaN(Number(text)) ? text : Number(text));

interface Common {
  path?: string[];
  json?: boolean;
}

/** The backends of a loaded configuration. */
interface Target extends Backends {
  Configuration: typeof BaseConfiguration;
}

/** Loads the configuration and checks it names a queue. */
async function loadTarget(config: string, options: Common): Promise<Target> {
  const { Configuration } = await loadConfig(config, { paths: options.path });
  const queue = Configuration.QUEUE;
  if (queue === undefined) throw new ConfigurationError(`Missing module-level "QUEUE" setting: set static QUEUE on ${config}`);
  return { Configuration, queue, store: Configuration.RESULT_STORE };
}

function printInfo(out: (text: string) => void, data: Record<string, unknown>): void {
  const na = 'n/a (the backend cannot tell)';
  const nextEta = data.nextEta as Date | null;
  const lines = [`queue "${data.queue}" (${data.backend})`, `  waiting:      ${data.waiting}`];
  lines.push(`  scheduled:    ${data.scheduled ?? na}${nextEta ? `, next at ${stamp(nextEta)}` : ''}`);
  const inFlight = data.inFlight as Record<string, { messages: number; oldestMs: number | null }> | null;
  if (inFlight === null) lines.push(`  in flight:    ${na}`);
  else {
    const entries = Object.entries(inFlight);
    lines.push(`  in flight:    ${entries.reduce((n, [, e]) => n + e.messages, 0)}`);
    for (const [consumer, e] of entries) lines.push(`    ${consumer}: ${e.messages} message${e.messages === 1 ? '' : 's'}${e.oldestMs === null ? '' : `, oldest taken ${age(e.oldestMs)} ago`}`);
  }
  const consumers = data.consumers as { id: string; alive: boolean; beatAgoMs: number | null; host?: string; pid?: number }[] | null;
  if (consumers === null) lines.push(`  consumers:    ${na}`);
  else {
    lines.push(`  consumers:    ${consumers.filter((c) => c.alive).length} alive, ${consumers.filter((c) => !c.alive).length} dead`);
    for (const c of consumers) lines.push(`    ${c.id}  ${c.alive ? 'alive' : 'dead'}${c.beatAgoMs === null ? '' : `, last heartbeat ${age(c.beatAgoMs)} ago`}`);
  }
  lines.push(`  dead letters: ${data.deadLetters ?? na}`);
  lines.push(`  results:      ${data.results === null ? na : `${data.results} waiting to be read`}`);
  // the controls of calls are shown when in use: nothing revoked and no lock held is the usual state (--json always has both)
  const listed = (label: string, names: unknown): void => {
    if (Array.isArray(names) && names.length > 0) lines.push(`  ${label.padEnd(14)}${names.length} (${names.join(', ')})`);
  };
  listed('revoked:', data.revoked);
  listed('locked:', data.locked);
  const limits = data.limits as { command: string; use: string }[] | null;
  if (limits !== null && limits.length > 0) lines.push('  limits:', ...limits.map((l) => `    ${l.command}: ${l.use}`));
  out(`${lines.join('\n')}\n`);
}

function program(io: InspectIo, run: (action: () => Promise<void>) => Promise<void>, opened: Set<BaseQueue | BaseDataStore>): Command {
  /** Loads the configuration, remembering its backends so that they are closed at the end. */
  const target = async (config: string, options: Common): Promise<Target> => {
    const found = await loadTarget(config, options);
    for (const backend of [found.queue, found.store, found.Configuration.TASK_STORE]) if (backend) opened.add(backend);
    return found;
  };
  const now = (): Date => io.now?.() ?? new Date();
  const out = (data: unknown, human: () => string, json: boolean | undefined): void => io.stdout(json ? `${JSON.stringify(data, null, 2)}\n` : human());
  const cli = new Command('huey')
    .description('Look inside a huey queue: what waits, what runs, where a task is.')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const sub = (name: string, description: string): Command =>
    cli
      .command(name)
      .description(description)
      .argument('<config>', 'the configuration class as module.Attribute, e.g. main.Configuration')
      .addOption(new Option('-p, --path <dir>', 'a directory to import the configuration module from, searched before the current one; repeatable').argParser((dir: string, dirs: string[] = []) => [...dirs, dir]))
      .option('--json', 'print JSON, for scripts');

  sub('info', 'queue length, schedule, messages in flight, consumers, dead letters, results waiting').action((config: string, options: Common) =>
    run(async () => {
      const t = await target(config, options);
      const data = await reach(t.queue, () => info(t, now()));
      if (options.json) out(data, () => '', true);
      else printInfo(io.stdout, data);
    }),
  );

  sub('peek', 'the next messages, decoded, with the raw stored form beside')
    .addOption(new Option('-n, --number <n>', 'how many').default(10).argParser((v: string) => {
      if (!/^\d+$/.test(v)) throw new ConfigurationError(`Expected \`-n\` to be a non-negative integer, got "${v}"`);
      return Number(v);
    }))
    .action((config: string, options: Common & { number: number }) =>
      run(async () => {
        const { queue } = await target(config, options);
        if (!canInspect(queue)) throw new Refusal(`queue "${queue.name}" (${queue.constructor.name}) cannot show its messages without taking them: it does not implement Inspection (backends/inspection.ts)`);
        const messages = await reach(queue, () => queue.waiting(options.number));
        const data = messages.map((raw, i) => ({ position: i + 1, ...describeMessage(raw), raw }));
        out(data, () => (data.length === 0 ? `queue "${queue.name}" is empty\n` : data.map((m) => printable(`${m.position}  ${m.id ?? '?'}  ${m.call}${m.eta ? `  eta ${stamp(m.eta)}` : ''}${describeControls(m)}`) + `\n   ${printable(m.raw)}\n`).join('')), options.json);
      }),
    );

  sub('trace', "a task's life, line by line, and where it is now")
    .argument('<task-id>', 'the task id (AsyncData.taskId, or the "id" of the message)')
    .action((config: string, taskId: string, options: Common) =>
      run(async () => {
        const badId = idProblem(taskId);
        if (badId !== undefined) throw new Refusal(`"${printable(taskId)}" is not a task id: an id ${badId}`);
        const { queue, store } = await target(config, options);
        const data = await traceReport({ queue, store }, taskId, now());
        out(data, () => {
          const command = data.events.map((l) => l.payload.command).find((c) => typeof c === 'string');
          const head = `task ${taskId}${command ? ` (${command})` : ''}\n`;
          const body = data.events.length > 0 ? data.events.map((l) => `${describeLine(l)}\n`).join('') : canInspect(queue) ? '(nothing traced: start producers with `trace: true` and the consumer with --trace)\n' : '(this backend keeps no trace)\n';
          const progress = data.progress === undefined ? '' : `progress: ${printable(JSON.stringify(data.progress))}\n`;
          return `${head}${body}now: ${data.summary}\n${progress}`;
        }, options.json);
      }),
    );

  sub('dead-letters', 'list, requeue or purge the messages that could not run')
    .argument('[action]', 'list, requeue or purge', 'list')
    .argument('[ids...]', 'for requeue: the message ids (all when none)')
    .action((config: string, action: string, ids: string[], options: Common) =>
      run(async () => {
        const { queue } = await target(config, options);
        const kept = deadLettersOf(queue);
        if (kept === undefined) throw new Refusal(`queue "${queue.name}" (${queue.constructor.name}) keeps no dead letters`);
        const letters = await reach(queue, () => kept.deadLetters());
        if (action === 'list') {
          const data = letters.map((l) => ({ ...describeMessage(l.data), reason: l.reason, at: l.at, raw: l.data }));
          out(data, () => (data.length === 0 ? 'no dead letters\n' : data.map((d, i) => `${i + 1}  ${stamp(d.at)}  ${printable(`${d.id ?? '?'}  ${d.call}`)}\n   ${printable(d.reason)}\n   ${printable(d.raw)}\n`).join('')), options.json);
        } else if (action === 'requeue') {
          const unknown = ids.filter((id) => !letters.some((l) => messageId(l.data) === id));
          if (unknown.length > 0) throw new Refusal(`no dead letter with id ${unknown.map((id) => `"${id}"`).join(', ')} in queue "${queue.name}"`);
          const chosen: DeadLetter[] = ids.length === 0 ? letters : letters.filter((l) => ids.includes(messageId(l.data) ?? ''));
          let requeued = 0;
          for (const letter of chosen) if (await reach(queue, () => kept.requeueDeadLetter(letter))) requeued++;
          out({ requeued }, () => `requeued ${requeued} dead letter${requeued === 1 ? '' : 's'} to queue "${queue.name}"\n`, options.json);
        } else if (action === 'purge') {
          const purged = await reach(queue, () => kept.purgeDeadLetters());
          out({ purged }, () => `purged ${purged} dead letter${purged === 1 ? '' : 's'} of queue "${queue.name}"\n`, options.json);
        } else {
          throw new Refusal(`unknown dead-letters action "${action}": expected list, requeue or purge`);
        }
      }),
    );

  sub('enqueue', 'enqueue a call of a command, to try it from the shell')
    .argument('<command>', 'the command name, e.g. commands.countBeans')
    .argument('[args...]', 'its arguments, each one JSON value, e.g. 100 or \'"text"\'')
    .option('--trace', "append the enqueued event to the queue's trace")
    .option('--priority <n>', 'the call\'s priority: a number, higher runs first (default: the command\'s, else 0)')
    .option('--expires <seconds>', 'seconds after which the call is not run (default: the command\'s)')
    .action((config: string, name: string, rawArgs: string[], options: Common & { trace?: boolean; priority?: string; expires?: string }) =>
      run(async () => {
        const priority = options.priority === undefined ? undefined : check.priority('priority', numberOption(options.priority), 0);
        const expires = options.expires === undefined ? undefined : (check.expires('expires', numberOption(options.expires)) as number);
        const { Configuration, queue } = await target(config, options);
        const args = rawArgs.map((raw, i) => {
          try {
            return JSON.parse(raw) as unknown;
          } catch {
            throw new Refusal(`argument ${i + 1} is not JSON: ${raw} (quote text twice: '"text"')`);
          }
        });
        const invoker = new Invoker(queue, { registry });
        if (options.trace || Configuration.TRACE) startTrace(invoker);
        const known = registry.get(name);
        const definition = known ?? { name, fn: () => undefined, moduleUrl: undefined, retries: 0, retryDelay: 0 };
        const enqueuedAt = new Date();
        const command = new QueueCommand(definition, args, { enqueuedAt, ...(priority !== undefined ? { priority } : {}), ...(expires !== undefined ? { expires: expiryOf(expires, enqueuedAt) } : {}) });
        await reach(queue, async () => {
          await invoker.enqueue(command);
          await tracerOf(invoker)?.flush();
        });
        if (known === undefined && !options.json) io.stderr(`note: ${name} is not registered where ${config} is loaded; the consumer will import its module, or dead-letter the call\n`);
        out({ taskId: command.taskId, command: name, args }, () => `enqueued ${name} as task ${command.taskId}\n`, options.json);
      }),
    );

  sub('history', 'the last calls the consumers finished, newest first: when, outcome, run time, attempt')
    .addOption(new Option('-n, --limit <n>', 'how many to show').default(50).argParser(numberOption))
    .option('--command <name>', "only this command's calls")
    .action((config: string, options: Common & { limit: number; command?: string }) =>
      run(async () => {
        const { queue } = await target(config, options);
        const limit = check.positiveInteger('--limit', options.limit, 50);
        const entries = await reach(queue, () => readHistory(queue, limit, options.command));
        out(entries, () => formatHistory(entries, queue.name), options.json);
      }),
    );

  cli
    .command('web')
    .description('the queue as a live page in the browser, and each task as a timeline')
    .argument('<config>', 'the configuration class as module.Attribute, e.g. main.Configuration')
    .addOption(new Option('-p, --path <dir>', 'a directory to import the configuration module from, searched before the current one; repeatable').argParser((dir: string, dirs: string[] = []) => [...dirs, dir]))
    .addOption(new Option('--port <n>', 'the port to listen on (0: any free port)').default(8300).argParser((v: string) => {
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw new ConfigurationError(`Expected \`--port\` to be a port number (0-65535), got "${v}"`);
      return Number(v);
    }))
    .option('--host <address>', 'the address to listen on; anything but 127.0.0.1 opens the page to the network', '127.0.0.1')
    .action((config: string, options: Common & { port: number; host: string }) =>
      run(async () => {
        const { runWeb } = await import('../web/run-web.js');
        await runWeb(await target(config, options), options, io);
      }),
    );

  sub('flush', 'remove every waiting message of the queue (asks first)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action((config: string, options: Common & { yes?: boolean }) =>
      run(async () => {
        const { queue } = await target(config, options);
        const count = await reach(queue, () => queue.length());
        if (!options.yes) {
          const ask = io.confirm ?? defaultIo.confirm!;
          if (!(await ask(`Remove ${count} waiting message${count === 1 ? '' : 's'} from queue "${queue.name}"? [y/N] `))) throw new Refusal('flush cancelled: nothing removed');
        }
        await reach(queue, () => queue.flush());
        out({ flushed: count }, () => `removed ${count} waiting message${count === 1 ? '' : 's'} from queue "${queue.name}"\n`, options.json);
      }),
    );
  return cli;
}

/**
 * Runs the inspect command line.
 *
 * @param argv - The arguments after the program name, e.g. `['trace', 'main.Configuration', '<id>']`.
 * @param io - Where output goes, how to ask for confirmation, and the clock.
 * @returns The exit code: 0 on success, 1 for bad usage, an unknown task, or an unreachable backend.
 */
export async function main(argv: string[], io: InspectIo = defaultIo): Promise<number> {
  let code = 0;
  const opened = new Set<BaseQueue | BaseDataStore>();
  const run = async (action: () => Promise<void>): Promise<void> => {
    try {
      await action();
    } catch (error) {
      code = 1;
      if (error instanceof ConfigurationError) io.stderr(`huey: ${error.message}\n`);
      else if (error instanceof QueueException) io.stderr(`huey: ${printable(error.message.split('\n')[0]!)}\n`);
      else io.stderr(`huey: ${(error as Error).stack ?? String(error)}\n`);
    }
  };
  const cli = program(io, run, opened);
  if (argv.length === 0) {
    io.stderr(cli.helpInformation());
    return 1;
  }
  try {
    await cli.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    if (error instanceof ConfigurationError) {
      io.stderr(`huey: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    if (!io.keepOpen) for (const backend of opened) await backend.close?.().catch((error: Error) => io.stderr(`huey: could not close ${backend.name}: ${error.message}\n`));
  }
  return code;
}
