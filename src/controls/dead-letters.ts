/**
 * Dead letters written once, on the verbs of a data store: one key a
 * letter in the queue's control store, `dead:<when>-<id>`, so the keys
 * sort oldest first. A backend that keeps dead letters itself
 * (`backends/dead-letters.ts`) is used instead.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { EmptyData, type BaseDataStore, type BaseQueue } from '../backends/base.js';
import { keepsDeadLetters, type DeadLetter, type DeadLetters } from '../backends/dead-letters.js';
import { encodeOutcome, idProblem, namesOf } from '../core/message.js';

const PREFIX = 'dead:';
let written = 0;

/** Dead letters kept in a data store; a requeued one goes back to `queue`. */
export class StoredDeadLetters implements DeadLetters {
  readonly #queue: BaseQueue;
  readonly #store: BaseDataStore;

  constructor(queue: BaseQueue, store: BaseDataStore) {
    this.#queue = queue;
    this.#store = store;
  }

  async deadLetter(data: string, reason: string): Promise<void> {
    const at = new Date();
    // this process's count orders the letters of one millisecond; the uuid keeps other processes' apart
    const key = `${PREFIX}${at.toISOString()}-${String(++written).padStart(12, '0')}-${randomUUID()}`;
    await this.#store.put(key, JSON.stringify({ data, reason, at: at.toISOString() }));
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return (await this.#letters()).map(({ letter }) => letter);
  }

  async requeueDeadLetter(letter: DeadLetter): Promise<boolean> {
    const found = (await this.#letters()).find(({ letter: kept }) => kept.data === letter.data && kept.at.getTime() === letter.at.getTime());
    if (found === undefined || (await this.#store.get(found.key)) === EmptyData) return false;
    await this.#queue.write(found.letter.data);
    return true;
  }

  async purgeDeadLetters(): Promise<number> {
    let purged = 0;
    for (const key of await this.#store.keys(PREFIX)) if ((await this.#store.get(key)) !== EmptyData) purged++;
    return purged;
  }

  async #letters(): Promise<{ key: string; letter: DeadLetter }[]> {
    const letters: { key: string; letter: DeadLetter }[] = [];
    for (const key of (await this.#store.keys(PREFIX)).sort()) {
      const found = await this.#store.peek(key);
      if (found === EmptyData) continue;
      const kept = JSON.parse(found) as { data: string; reason: string; at: string };
      letters.push({ key, letter: { data: kept.data, reason: kept.reason, at: new Date(kept.at) } });
    }
    return letters;
  }
}

/** The dead letters of a queue: its own when it keeps them, else those of its control store; `undefined` with neither. */
export function deadLettersOf(queue: BaseQueue): DeadLetters | undefined {
  if (keepsDeadLetters(queue)) return queue;
  return queue.controlStore === undefined ? undefined : new StoredDeadLetters(queue, queue.controlStore);
}

/**
 * What a dead-lettered message's handle is answered with, so its `get()`
 * rejects at once naming the reason instead of waiting out its timeout:
 * the result-store key and the failure, or `undefined` for a message
 * without a usable id.
 */
export function deadLetterAnswer(data: string, reason: string): { taskId: string; outcome: string } | undefined {
  const { taskId } = namesOf(data);
  if (taskId === undefined || idProblem(taskId) !== undefined) return undefined;
  return { taskId, outcome: encodeOutcome({ ok: false, error: { name: 'DeadLettered', message: reason } }) };
}
