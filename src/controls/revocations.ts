/**
 * Revocations written once, on the verbs of a data store: one key a
 * revocation in the queue's control store, `revoked:<what>`, holding
 * `{"until":…,"once":…}`. A `once` revocation is taken away with `get`,
 * which hands a value to one client only, so of several consumers finding
 * it at once, one skips its call. A backend that keeps revocations itself
 * (`backends/revocations.ts`) is used instead.
 *
 * @module
 */
import { EmptyData, type BaseDataStore, type BaseQueue } from '../backends/base.js';
import { keepsRevocations, type Revocation, type RevocationEntry, type Revocations } from '../backends/revocations.js';
import { ConfigurationError } from '../exceptions.js';

const PREFIX = 'revoked:';

/** Revocations kept in a data store. */
export class StoredRevocations implements Revocations {
  readonly #store: BaseDataStore;

  constructor(store: BaseDataStore) {
    this.#store = store;
  }

  async revoke(key: string, revocation: Revocation): Promise<void> {
    const ttlMs = revocation.until === null ? undefined : Math.max(1, revocation.until.getTime() - Date.now());
    await this.#store.put(storeKey(key), JSON.stringify({ until: revocation.until?.toISOString() ?? null, once: revocation.once }), ttlMs);
  }

  async restore(key: string): Promise<boolean> {
    const found = await this.#store.get(storeKey(key));
    return found !== EmptyData && inForce(parse(found), new Date());
  }

  async revoked(keys: string[], now: Date): Promise<string | null> {
    for (const key of keys) {
      const found = await this.#store.peek(storeKey(key));
      if (found === EmptyData) continue;
      const revocation = parse(found);
      if (!inForce(revocation, now)) continue;
      // a once revocation is this consumer's only if its get is the one that takes it
      if (revocation.once && (await this.#store.get(storeKey(key))) === EmptyData) continue;
      return key;
    }
    return null;
  }

  async revocations(now: Date): Promise<RevocationEntry[]> {
    const entries: RevocationEntry[] = [];
    for (const name of await this.#store.keys(PREFIX)) {
      const found = await this.#store.peek(name);
      if (found === EmptyData) continue;
      const revocation = parse(found);
      if (inForce(revocation, now)) entries.push({ key: decodeURIComponent(name.slice(PREFIX.length)), ...revocation });
    }
    return entries;
  }
}

/** The revocations of a queue: its own when it keeps them, else those of its control store; `undefined` with neither. */
export function revocationsOf(queue: BaseQueue): Revocations | undefined {
  if (keepsRevocations(queue)) return queue;
  return queue.controlStore === undefined ? undefined : new StoredRevocations(queue.controlStore);
}

/**
 * {@link revocationsOf}, for revoking and restoring.
 *
 * @throws ConfigurationError for a queue that keeps none.
 */
export function requireRevocations(queue: BaseQueue): Revocations {
  const revocations = revocationsOf(queue);
  if (revocations !== undefined) return revocations;
  throw new ConfigurationError(`Queue "${queue.name}" (${queue.constructor.name}) keeps no revocations: give it a controlStore (backends/base.ts)`);
}

/** One store key a revocation; the key names one file on the file backend, so `/` is escaped. */
const storeKey = (key: string): string => PREFIX + encodeURIComponent(key);

function parse(text: string): Revocation {
  const kept = JSON.parse(text) as { until: string | null; once: boolean };
  return { until: kept.until === null ? null : new Date(kept.until), once: kept.once };
}

const inForce = (revocation: Revocation, now: Date): boolean => revocation.until === null || revocation.until.getTime() > now.getTime();
