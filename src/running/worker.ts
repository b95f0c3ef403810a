/**
 * The entry point of a worker thread or process. A worker only executes:
 * it imports the configuration module itself (and so the commands, the
 * seed page's lesson, once per worker), then runs the messages it is sent
 * and answers with the outcome, both in the wire format. The main thread
 * keeps the queue, the acknowledgements, the schedule and the heartbeats.
 *
 * @internal
 * @module
 */
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as exceptions from '../exceptions.js';
import { decodeMessage, encodeOutcome } from '../core/message.js';
import { registry } from '../core/registry.js';
import { runningTask, type TaskIdentity } from './call.js';
import { runAs } from './current-task.js';
import { importCommands } from './discover.js';
import type { ToWorker, FromWorker, WorkerInit } from './worker-protocol.js';

const send = (message: FromWorker): void => {
  if (parentPort !== null) parentPort.postMessage(message);
  else process.send!(message);
};

async function init({ configFile, attribute }: WorkerInit): Promise<void> {
  try {
    const module = (await import(pathToFileURL(configFile).href)) as Record<string, { COMMANDS?: string[] } | undefined>;
    const commands = module[attribute]?.COMMANDS;
    const imported = commands === undefined ? [] : await importCommands(configFile, commands);
    send({ type: 'ready', commands: registry.names(), imported: imported.length });
  } catch (error) {
    send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}

/** The signals of the calls running here, by the pool's call id. */
const running = new Map<number, AbortController>();

async function run(id: number, data: string, identity: TaskIdentity, root: string): Promise<void> {
  let outcome: string;
  const controller = new AbortController();
  running.set(id, controller);
  try {
    const message = decodeMessage(data);
    const command = registry.get(message.command) ?? (await registry.load(message.command, root));
    if (command === undefined) throw new exceptions.QueueException(`${message.command} not found in CommandRegistry`);
    const task = runningTask(identity, controller.signal, (encoded) => send({ type: 'progress', id, encoded }));
    const value: unknown = await runAs({ task }, () => (command.fn as (...args: unknown[]) => unknown)(...message.args));
    try {
      outcome = encodeOutcome({ ok: true, value }, `the result of ${message.command}`);
    } catch (error) {
      outcome = failure(error);
    }
  } catch (error) {
    outcome = failure(error);
  } finally {
    running.delete(id);
  }
  send({ type: 'done', id, outcome });
}

/** The typed exception the consumer aborted a call with, made again on this side. */
function abortReason({ name, message }: { name: string; message: string }): Error {
  const Type = (exceptions as Record<string, unknown>)[name];
  return typeof Type === 'function' && Type.prototype instanceof Error ? new (Type as new (message: string) => Error)(message) : Object.assign(new Error(message), { name });
}

function failure(error: unknown): string {
  const err = error instanceof Error ? error : new Error(String(error));
  return encodeOutcome({ ok: false, error: { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) } });
}

let root = '';
const receive = (message: ToWorker): void => {
  if (message.type === 'init') {
    root = message.init.root;
    void init(message.init);
  } else if (message.type === 'abort') {
    running.get(message.id)?.abort(abortReason(message.reason));
  } else {
    void run(message.id, message.data, message.task, root);
  }
};

if (!isMainThread && parentPort !== null) {
  parentPort.on('message', receive);
  receive({ type: 'init', init: workerData as WorkerInit });
} else {
  process.on('message', receive);
  // the main process owns the signals: a worker ends when the consumer ends it
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => process.exit(0));
}
