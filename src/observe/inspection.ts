/**
 * What the inspect CLI and the live view (`huey web`) show of a queue: the
 * looks at its backend (`info`, a task's trace) and how a message, a trace
 * line and a task's whereabouts are put in words. `huey info --json` and
 * `GET /api/info` answer with the same builder, byte for byte.
 *
 * @internal
 * @module
 */
import { readProgress } from '../controls/progress.js';
import { canTellNextEta } from '../backends/fast-path.js';
import { canCount, canInspect } from '../backends/inspection.js';
import { deadLettersOf } from '../controls/dead-letters.js';
import { locksOf } from '../controls/locks.js';
import { limitsOf } from '../controls/limits.js';
import { revocationsOf } from '../controls/revocations.js';
import type { BaseDataStore, BaseQueue } from '../backends/base.js';
import { QueueException } from '../exceptions.js';
import { decodeMessage } from '../core/message.js';
import { recordsOf } from '../backends/records.js';
import { parseHistoryEntry, type HistoryEntry } from './history.js';
import { locateTask, messageId, parseTraceLine, type TaskWhereabouts, type TraceLine } from './trace.js';

/** A refusal of the CLI itself (unknown task id, bad argument): printed as is, exit 1. */
export class Refusal extends QueueException {}

/** The backends a look needs: the queue, and the result store if any. */
export interface Backends {
  /** The queue. */
  queue: BaseQueue;
  /** Its result store, when the configuration has one. */
  store: BaseDataStore | undefined;
}

/** `12:00:03.120` (UTC) of a date. */
export const hms = (date: Date, ms = false): string => date.toISOString().slice(11, ms ? 23 : 19);
/** `2030-01-01 12:00:03 UTC`. */
export const stamp = (date: Date): string => `${date.toISOString().slice(0, 10)} ${hms(date)} UTC`;

/** `3 s`, `2 min`, `5 h`: a rounded duration. */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** A message decoded for people: `commands.countBeans(100)`, or why it cannot be. */
export function describeMessage(data: string): { id: string | undefined; call: string; eta: Date | null; priority: number; expires: Date | null } {
  try {
    const message = decodeMessage(data);
    const args = message.args.map((arg) => JSON.stringify(arg) ?? String(arg)).join(', ');
    return { id: message.id, call: `${message.command}(${args})`, eta: message.eta, priority: message.priority ?? 0, expires: message.expires ?? null };
  } catch (error) {
    return { id: messageId(data), call: `(unreadable: ${(error as Error).message})`, eta: null, priority: 0, expires: null };
  }
}

/** The controls of a message shown by `peek`: `  priority 5  expires 2030-01-01 00:00:00 UTC`. */
export const describeControls = (m: { priority: number; expires: Date | null }): string => `${m.priority !== 0 ? `  priority ${m.priority}` : ''}${m.expires ? `  expires ${stamp(m.expires)}` : ''}`;

/** One trace line for people: time, event, details, where it happened. */
export function describeLine(line: TraceLine): string {
  const p = line.payload;
  const when = (value: unknown): string => (typeof value === 'string' ? hms(new Date(value), true) : 'at once');
  const details: Record<string, () => string> = {
    enqueued: () => `${p.command}${p.eta ? `, eta ${when(p.eta)}` : ''}, ${p.retries} retries`,
    received: () => (p.fromSchedule ? 'from the schedule' : 'from the queue'),
    scheduled: () => `for ${when(p.eta)}`,
    waiting: () => `${p.reason}, until ${when(p.until)}`,
    started: () => startedDetail(p),
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

/** A start says which attempt and delivery it is when it is not the first of either. */
function startedDetail(p: Record<string, unknown>): string {
  const said: string[] = [];
  if (typeof p.attempt === 'number' && p.attempt > 1) said.push(`attempt ${p.attempt}`);
  if (typeof p.deliveries === 'number' && p.deliveries > 1) said.push(`delivered ${p.deliveries}×`);
  return said.join(', ');
}

/** Where a task is, in one sentence. */
export function describeWhere(where: TaskWhereabouts, now: Date): string {
  switch (where.state) {
    case 'waiting':
      return `waiting in the queue at position ${where.position}`;
    case 'scheduled':
      if (where.waiting !== undefined) return `${where.waiting}: in the schedule until ${hms(where.eta)} (${stamp(where.eta)})`;
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
  const looks = canInspect(queue) ? queue : undefined;
  const scheduled = await looks?.scheduled(Infinity);
  const claims = await looks?.claims();
  const consumers = await looks?.consumers();
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
    nextEta: canTellNextEta(queue) ? await queue.nextEta() : null,
    inFlight: claims === undefined ? null : inFlight,
    consumers: consumers?.map((c) => ({ ...c, beatAgoMs: c.lastBeat === null ? null : now.getTime() - c.lastBeat.getTime() })) ?? null,
    deadLetters: (await deadLettersOf(queue)?.deadLetters())?.length ?? null,
    results: store !== undefined && canCount(store) ? await store.count() : null,
    revoked: (await revocationsOf(queue)?.revocations(now))?.map((r) => r.key) ?? null,
    locked: (await locksOf(queue)?.locks()) ?? null,
    limits: (await limitsOf(queue)?.use()) ?? null,
  };
}

/** The answer to `huey trace --json` (and `GET /api/tasks/<id>` of `huey web`): a task's trace, oldest first, and where it is now. */
export interface TraceReport {
  taskId: string;
  events: TraceLine[];
  where: TaskWhereabouts;
  summary: string;
  /** The latest progress the call reported, when it reported any (and the queue keeps progress). */
  progress?: unknown;
  /** When the trace has nothing: the task's entries in the queue's recent history, newest first. */
  history?: HistoryEntry[];
}

/** The entries of one task in the queue's recent history, newest first; none when the backend keeps no records. */
export async function taskHistory(queue: BaseQueue, taskId: string): Promise<HistoryEntry[]> {
  const lines = (await recordsOf(queue)?.history(Infinity)) ?? [];
  return lines.filter((line) => line.includes(`"id":${JSON.stringify(taskId)}`)).map(parseHistoryEntry).filter((e): e is HistoryEntry => e?.id === taskId);
}

/** An entry of the history in words: `finished at 12:00:03 in 12.0 ms, attempt 1 (from the history)`. */
export function describeHistoryEntry(entry: HistoryEntry): string {
  const ran = entry.runMs === null ? '' : ` in ${entry.runMs.toFixed(1)} ms`;
  const attempt = entry.attempt === null ? '' : `, attempt ${entry.attempt}`;
  return `${entry.outcome} at ${hms(new Date(entry.at))}${ran}${attempt}${entry.error ? `: ${entry.error}` : ''} (from the history)`;
}

/**
 * Builds the answer to `huey trace`.
 *
 * @throws Refusal when the task is nowhere: not waiting, scheduled, taken, dead-lettered, in the result store or the trace.
 */
export async function traceReport({ queue, store }: Backends, taskId: string, now: Date): Promise<TraceReport> {
  const lines = ((await reach(queue, async () => (canInspect(queue) ? await queue.traceRead(taskId) : []))).map(parseTraceLine).filter((l) => l !== undefined) as TraceLine[]).sort(
    (a, b) => a.time.localeCompare(b.time),
  );
  const where = await reach(queue, () => locateTask(queue, store, taskId, lines));
  const progress = queue.controlStore === undefined ? undefined : await reach(queue, () => readProgress(queue, taskId));
  const history = lines.length > 0 ? [] : await reach(queue, () => taskHistory(queue, taskId));
  if (where.state === 'unknown' && progress === undefined && history.length === 0) {
    const kept = recordsOf(queue) === undefined ? '' : ' or the recent history';
    throw new Refusal(`no task "${taskId}" in queue "${queue.name}": not waiting, scheduled, taken or dead-lettered, no result waiting${canInspect(queue) ? `, and not in the trace${kept}` : ' (this backend keeps no trace)'}`);
  }
  // a task known by its history or its progress alone ran, and its result was read (or there was none to keep)
  let summary = describeWhere(where, now);
  if (where.state === 'unknown') summary = history.length > 0 ? describeHistoryEntry(history[0]!) : 'not waiting, scheduled or taken, and no result waiting: it ran and reported progress';
  return { taskId, events: lines, where, summary, ...(progress === undefined ? {} : { progress }), ...(history.length === 0 ? {} : { history }) };
}
