/**
 * What each consumer of a queue can run, kept in the queue's control store
 * under `known:<consumer>`, so a consumer that dead-letters an unknown
 * command can say that another live consumer of the same queue knows it:
 * the sign of two consumers importing different command modules.
 *
 * @module
 */
import { hostname } from 'node:os';
import { EmptyData, type BaseQueue } from '../backends/base.js';
import { canInspect } from '../backends/inspection.js';
import { namesOf } from '../core/message.js';

/** How long an announcement outlives a consumer that never withdrew it (killed): the liveness check ignores it sooner. */
const KNOWN_TTL_MS = 24 * 3600 * 1000;

const PREFIX = 'known:';

/** One consumer's announcement. */
interface Known {
  host: string;
  pid: number;
  /** Its consumer id, when the queue lists consumers: how the check tells it is still alive. */
  consumer?: string | undefined;
  commands: string[];
}

/** The key of this process's consumer on `queue`. */
function ownKey(queue: BaseQueue): string {
  return PREFIX + (canInspect(queue) && queue.consumerId !== undefined ? queue.consumerId : `${hostname()}:${process.pid}`);
}

/** Tells the other consumers of `queue` which commands this one runs (at start, and after a reload). */
export async function announceCommands(queue: BaseQueue, commands: string[]): Promise<void> {
  const consumer = canInspect(queue) ? queue.consumerId : undefined;
  const known: Known = { host: hostname(), pid: process.pid, consumer, commands };
  await queue.controlStore?.put(ownKey(queue), JSON.stringify(known), KNOWN_TTL_MS);
}

/** Takes this consumer's announcement back (at stop). */
export async function withdrawCommands(queue: BaseQueue): Promise<void> {
  await queue.controlStore?.get(ownKey(queue)); // huey's get reads and removes
}

/**
 * The reason a message that cannot run is dead-lettered with: the error,
 * and for an unknown command the live consumer that knows it, if any.
 */
export async function whyNotRun(queue: BaseQueue, data: string, error: Error): Promise<string> {
  const reason = `${error.name}: ${error.message}`;
  const { command } = namesOf(data);
  if (command === undefined || !error.message.endsWith('not found in CommandRegistry')) return reason;
  const hint = await otherConsumerKnows(queue, command).catch(() => undefined); // a hint only: the dead letter must not wait on it
  return hint === undefined ? reason : `${reason}; ${hint}`;
}

/**
 * Why a command this consumer does not know may still be a mistake of
 * set-up: another live consumer of the same queue knows it.
 *
 * @returns "consumer pid N on host h knows it: …", or `undefined` when no other consumer does.
 */
export async function otherConsumerKnows(queue: BaseQueue, command: string): Promise<string | undefined> {
  const store = queue.controlStore;
  if (store === undefined) return undefined;
  const own = ownKey(queue);
  const live = canInspect(queue) ? new Set((await queue.consumers()).filter((c) => c.alive).map((c) => c.id)) : undefined;
  for (const key of await store.keys(PREFIX)) {
    if (key === own) continue;
    const raw = await store.peek(key);
    if (raw === EmptyData) continue;
    let known: Known;
    try {
      known = JSON.parse(raw) as Known;
    } catch {
      continue; // a damaged announcement says nothing; it expires
    }
    if (!Array.isArray(known.commands) || !known.commands.includes(command)) continue;
    if (live !== undefined && known.consumer !== undefined && !live.has(known.consumer)) continue;
    return `consumer pid ${known.pid} on host ${known.host} knows it: do both import the same modules?`;
  }
  return undefined;
}
