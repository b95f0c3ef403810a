/**
 * `huey history <config>`: the last calls the queue's consumers finished,
 * newest first, one line each: when, outcome, command, id, run time,
 * attempt, and the error or reason.
 *
 * @internal
 * @module
 */
import type { BaseQueue } from '../backends/base.js';
import { recordsOf } from '../backends/records.js';
import { parseHistoryEntry, type HistoryEntry } from '../observe/history.js';
import { Refusal, stamp } from '../observe/inspection.js';

/**
 * Reads the newest entries of a queue's history.
 *
 * @param limit - The most to return.
 * @param command - Only this command's entries, when given.
 * @throws Refusal when the backend keeps no history.
 */
export async function readHistory(queue: BaseQueue, limit: number, command?: string): Promise<HistoryEntry[]> {
  const records = recordsOf(queue);
  if (records === undefined) throw new Refusal(`queue "${queue.name}" (${queue.constructor.name}) keeps no history`);
  const lines = await records.history(command === undefined ? limit : Infinity);
  const entries = lines.map(parseHistoryEntry).filter((e): e is HistoryEntry => e !== undefined && (command === undefined || e.command === command));
  return entries.slice(0, limit);
}

/** The entries as lines for people, under a header line. */
export function formatHistory(entries: HistoryEntry[], queue: string): string {
  if (entries.length === 0) return `no calls in the history of queue "${queue}" yet (consumers record them with HISTORY, 1000 by default)\n`;
  const lines = entries.map((e) => {
    const ran = e.runMs === null ? '-' : e.runMs >= 1000 ? `${(e.runMs / 1000).toFixed(2)} s` : `${e.runMs.toFixed(1)} ms`;
    const attempt = e.attempt === null ? '' : `  attempt ${e.attempt}${e.deliveries !== null && e.deliveries > 1 ? `, delivered ${e.deliveries}×` : ''}`;
    return `${stamp(new Date(e.at))}  ${e.outcome.padEnd(13)} ${(e.command ?? '(no command)').padEnd(28)} ${e.id ?? '(no id)'}  ${ran.padStart(9)}${attempt}${e.error ? `  ${e.error}` : ''}`;
  });
  return `the last ${entries.length} call${entries.length === 1 ? '' : 's'} of queue "${queue}", newest first\n${lines.join('\n')}\n`;
}
