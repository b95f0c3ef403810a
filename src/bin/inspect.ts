/**
 * `huey <subcommand> <module.Attribute>`: look inside a queue from the
 * shell, pointed at the same configuration as the consumer. `info`,
 * `peek`, `trace`, `dead-letters`, `enqueue`, `flush` and `web`; human-readable by
 * default, `--json` for scripts. Every look uses an optional member of the
 * backend contract (`backends/base.ts`) and says so when the backend lacks it.
 *
 * @internal
 * @module
 */
import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, Option } from 'commander';
import type { BaseDataStore, BaseQueue, DeadLetter } from '../backends/base.js';
import { ConfigurationError, QueueException } from '../exceptions.js';
import { decodeMessage, idProblem } from '../message.js';
import { printable } from '../printable.js';
import { Invoker, QueueCommand } from '../queue.js';
import { registry } from '../registry.js';
import { expiryOf } from '../skip.js';
import * as check from '../validate.js';
import { locateTask, messageId, parseTraceLine, startTrace, tracerOf, type TaskWhereabouts, type TraceLine } from '../trace.js';
import type { BaseConfiguration } from './config.js';
import { loadConfig } from './load.js';

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

/** A refusal of the CLI itself (unknown task id, bad argument): printed as is, exit 1. */
export class Refusal extends QueueException {}

interface Common {
  path?: string[];
  json?: boolean;
}

/** The backends of a loaded configuration. */
interface Target {
  Configuration: typeof BaseConfiguration;
  queue: BaseQueue;
  store: BaseDataStore | undefined;
}

/** The backends a look needs: the queue, and the result store if any. */
export type Backends = Pick<Target, 'queue' | 'store'>;

/** `12:00:03.120` (UTC) of a date. */
const hms = (date: Date, ms = false): string => date.toISOString().slice(11, ms ? 23 : 19);
/** `2030-01-01 12:00:03 UTC`. */
const stamp = (date: Date): string => `${date.toISOString().slice(0, 10)} ${hms(date)} UTC`;

/** `3 s`, `2 min`, `5 h`: a rounded duration. */
function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** A message decoded for people: `commands.countBeans(100)`, or why it cannot be. */
function describeMessage(data: string): { id: string | undefined; call: string; eta: Date | null; priority: number; expires: Date | null } {
  try {
    const message = decodeMessage(data);
    const args = message.args.map((arg) => JSON.stringify(arg) ?? String(arg)).join(', ');
    return { id: message.id, call: `${message.command}(${args})`, eta: message.eta, priority: message.priority ?? 0, expires: message.expires ?? null };
  } catch (error) {
    return { id: messageId(data), call: `(unreadable: ${(error as Error).message})`, eta: null, priority: 0, expires: null };
  }
}

/** The controls of a message shown by `peek`: `  priority 5  expires 2030-01-01 00:00:00 UTC`. */
const describeControls = (m: { priority: number; expires: Date | null }): string => `${m.priority !== 0 ? `  priority ${m.priority}` : ''}${m.expires ? `  expires ${stamp(m.expires)}` : ''}`;

/** One trace line for people: time, event, details, where it happened. */
function describeLine(line: TraceLine): string {
  const p = line.payload;
  const when = (value: unknown): string => (typeof value === 'string' ? hms(new Date(value), true) : 'at once');
  const details: Record<string, () => string> = {
    enqueued: () => `${p.command}${p.eta ? `, eta ${when(p.eta)}` : ''}, ${p.retries} retries`,
    received: () => (p.fromSchedule ? 'from the schedule' : 'from the queue'),
    scheduled: () => `for ${when(p.eta)}`,
    finished: () => `in ${Number(p.duration).toFixed(1)} ms`,
    failed: () => `${p.error} (${p.retries} retries left)`,
    retrying: () => `again ${when(p.eta)}, ${p.retries} retries left after it`,
    resultStored: () => (p.ok ? 'the result' : 'the error'),
    resultRead: () => (p.ok ? 'the result' : 'the error'),
    deadLettered: () => String(p.reason),
    revoked: () => String(p.reason),
    expired: () => String(p.reason),
    periodicEnqueued: () => `for the minute ${when(p.minute)}`,
  };
  return `${hms(new Date(line.time), true)}  ${line.event.padEnd(16)} ${(details[line.event]?.() ?? '').padEnd(44)} ${line.host} pid ${line.pid}`.trimEnd();
}

/** Where a task is, in one sentence. */
function describeWhere(where: TaskWhereabouts, now: Date): string {
  switch (where.state) {
    case 'waiting':
      return `waiting in the queue at position ${where.position}`;
    case 'scheduled':
      return `scheduled for ${hms(where.eta)} (${stamp(where.eta)})`;
    case 'taken': {
      const since = where.since === null ? '' : ` ${age(now.getTime() - where.since.getTime())} ago`;
      if (where.alive) return `taken by consumer ${where.consumer}${since}: running`;
      const beat = where.lastBeat === null ? 'whose heartbeat is gone' : `whose heartbeat stopped ${age(now.getTime() - where.lastBeat.getTime())} ago`;
      return `taken by consumer ${where.consumer} ${beat}: it will be recovered`;
    }
    case 'dead':
      return `in dead letters: ${where.reason.replace(/^\w+: /, '')}`;
    case 'result':
      return where.ok ? 'finished; result waiting to be read' : 'failed; the error is waiting to be read';
    case 'finished':
      return where.readAt !== null ? `finished; result read at ${hms(where.readAt)}` : `finished${where.at ? ` at ${hms(where.at)}` : ''}; no result waiting`;
    case 'failed':
      return `failed for good${where.at ? ` at ${hms(where.at)}` : ''}: ${where.error}`;
    case 'skipped':
      return `not run (${where.event} at ${hms(where.at)}): ${where.reason}`;
    case 'gone':
      return `not in the queue, the schedule, the claims or the dead letters; last seen: ${where.lastEvent} at ${hms(where.at)}`;
    case 'unknown':
      return 'unknown';
  }
}

/** Loads the configuration and checks it names a queue. */
async function loadTarget(config: string, options: Common): Promise<Target> {
  const { Configuration } = await loadConfig(config, { paths: options.path });
  const queue = Configuration.QUEUE;
  if (queue === undefined) throw new ConfigurationError(`Missing module-level "QUEUE" setting: set static QUEUE on ${config}`);
  return { Configuration, queue, store: Configuration.RESULT_STORE };
}

/** Runs one look at the backend; a backend failure becomes one clear line. */
export async function reach<T>(queue: BaseQueue, look: () => Promise<T>): Promise<T> {
  try {
    return await look();
  } catch (error) {
    if (error instanceof Refusal) throw error;
    throw new QueueException(`cannot reach the backend of queue "${queue.name}": ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
}

/** The answer to `huey info --json` (and `GET /api/info` of `huey web`). */
export async function info({ queue, store }: Backends, now: Date): Promise<Record<string, unknown>> {
  const scheduled = await queue.scheduled?.(Infinity);
  const claims = await queue.claims?.();
  const consumers = await queue.consumers?.();
  const inFlight: Record<string, { messages: number; oldestMs: number | null }> = {};
  for (const claim of claims ?? []) {
    const entry = (inFlight[claim.consumer] ??= { messages: 0, oldestMs: null });
    entry.messages++;
    if (claim.since !== null) entry.oldestMs = Math.max(entry.oldestMs ?? 0, now.getTime() - claim.since.getTime());
  }
  return {
    queue: queue.name,
    backend: queue.constructor.name,
    waiting: await queue.length(),
    scheduled: scheduled?.length ?? null,
    nextEta: (await queue.nextEta?.()) ?? null,
    inFlight: claims === undefined ? null : inFlight,
    consumers: consumers?.map((c) => ({ ...c, beatAgoMs: c.lastBeat === null ? null : now.getTime() - c.lastBeat.getTime() })) ?? null,
    deadLetters: (await queue.deadLetters?.())?.length ?? null,
    results: store === undefined ? null : ((await store.count?.()) ?? null),
    revoked: (await queue.revocations?.(now))?.map((r) => r.key) ?? null,
    locked: (await queue.locks?.()) ?? null,
  };
}

/** The answer to `huey trace --json` (and `GET /api/tasks/<id>` of `huey web`): a task's trace, oldest first, and where it is now. */
export interface TraceReport {
  taskId: string;
  events: TraceLine[];
  where: TaskWhereabouts;
  summary: string;
}

/**
 * Builds the answer to `huey trace`.
 *
 * @throws Refusal when the task is nowhere: not waiting, scheduled, taken, dead-lettered, in the result store or the trace.
 */
export async function traceReport({ queue, store }: Backends, taskId: string, now: Date): Promise<TraceReport> {
  const lines = ((await reach(queue, async () => (await queue.traceRead?.(taskId)) ?? [])).map(parseTraceLine).filter((l) => l !== undefined) as TraceLine[]).sort(
    (a, b) => a.time.localeCompare(b.time),
  );
  const where = await reach(queue, () => locateTask(queue, store, taskId, lines));
  if (where.state === 'unknown') {
    throw new Refusal(`no task "${taskId}" in queue "${queue.name}": not waiting, scheduled, taken or dead-lettered, no result waiting${queue.traceRead ? ', and not in the trace' : ' (this backend keeps no trace)'}`);
  }
  return { taskId, events: lines, where, summary: describeWhere(where, now) };
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
        if (!queue.waiting) throw new Refusal(`queue "${queue.name}" (${queue.constructor.name}) cannot show its messages without taking them`);
        const messages = await reach(queue, () => queue.waiting!(options.number));
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
          const body = data.events.length > 0 ? data.events.map((l) => `${describeLine(l)}\n`).join('') : queue.traceRead ? '(nothing traced: start producers with `trace: true` and the consumer with --trace)\n' : '(this backend keeps no trace)\n';
          return `${head}${body}now: ${data.summary}\n`;
        }, options.json);
      }),
    );

  sub('dead-letters', 'list, requeue or purge the messages that could not run')
    .argument('[action]', 'list, requeue or purge', 'list')
    .argument('[ids...]', 'for requeue: the message ids (all when none)')
    .action((config: string, action: string, ids: string[], options: Common) =>
      run(async () => {
        const { queue } = await target(config, options);
        if (!queue.deadLetters) throw new Refusal(`queue "${queue.name}" (${queue.constructor.name}) keeps no dead letters`);
        const letters = await reach(queue, () => queue.deadLetters!());
        if (action === 'list') {
          const data = letters.map((l) => ({ ...describeMessage(l.data), reason: l.reason, at: l.at, raw: l.data }));
          out(data, () => (data.length === 0 ? 'no dead letters\n' : data.map((d, i) => `${i + 1}  ${stamp(d.at)}  ${printable(`${d.id ?? '?'}  ${d.call}`)}\n   ${printable(d.reason)}\n   ${printable(d.raw)}\n`).join('')), options.json);
        } else if (action === 'requeue') {
          if (!queue.requeueDeadLetter) throw new Refusal(`queue "${queue.name}" (${queue.constructor.name}) cannot requeue dead letters`);
          const unknown = ids.filter((id) => !letters.some((l) => messageId(l.data) === id));
          if (unknown.length > 0) throw new Refusal(`no dead letter with id ${unknown.map((id) => `"${id}"`).join(', ')} in queue "${queue.name}"`);
          const chosen: DeadLetter[] = ids.length === 0 ? letters : letters.filter((l) => ids.includes(messageId(l.data) ?? ''));
          let requeued = 0;
          for (const letter of chosen) if (await reach(queue, () => queue.requeueDeadLetter!(letter))) requeued++;
          out({ requeued }, () => `requeued ${requeued} dead letter${requeued === 1 ? '' : 's'} to queue "${queue.name}"\n`, options.json);
        } else if (action === 'purge') {
          if (!queue.purgeDeadLetters) throw new Refusal(`queue "${queue.name}" (${queue.constructor.name}) cannot purge dead letters`);
          const purged = await reach(queue, () => queue.purgeDeadLetters!());
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
