/**
 * The fast path of a Redis queue object, behind its `finish` and
 * `finishAndRead`: a call's result stored, its message acknowledged and
 * its slot's next message claimed in one script (`./lua/finish.lua`), the
 * finishes of one turn of the event loop together (`./finishes.ts`). A
 * store it cannot reach in one script is answered with `null`, and the
 * consumer takes the generic path (`put`, then `ack`).
 *
 * @internal
 * @module
 */
import type { BaseDataStore } from '../base.js';
import { DataStorePutException } from '../../exceptions.js';
import { isCluster, sameDatabase } from './connection.js';
import type { Consuming } from './consuming.js';
import { addressOf, causeOf } from './errors.js';
import { Finishes, type Finish } from './finishes.js';
import type { QueueLink } from './queue-options.js';
import { RedisDataStore, type ResultTarget } from './store.js';

/** The finishes of one queue object, and the stores it can write results to in its own script. */
export class FastPath {
  readonly #link: QueueLink;
  readonly #consuming: Consuming;
  /** The finishes of this turn of the event loop, sent together. */
  readonly #finishes = new Finishes((finishes) => this.#send(finishes));
  /** How `finish` writes a store's results in this queue's script, or `null` when it cannot; decided once a store (clients and names do not change). */
  readonly #reachable = new WeakMap<RedisDataStore, ResultTarget | null>();

  /**
   * @param link - The queue object's connection, keys and settings.
   * @param consuming - Its claims, which the finish script adds to.
   */
  constructor(link: QueueLink, consuming: Consuming) {
    this.#link = link;
    this.#consuming = consuming;
  }

  /**
   * Stores the result of the call `data`, acknowledges it, and claims up
   * to `wanted` more messages (those claimed ahead first).
   *
   * @returns The messages taken, oldest first; `null`, having sent nothing, when `store` is out of reach.
   */
  async finishAndRead(data: string, store: BaseDataStore, key: string, value: string, wanted: number): Promise<string[] | null> {
    const target = this.#targetOf(store);
    if (target === null) return null;
    const { claims, unrevoked } = this.#consuming;
    // messages claimed ahead are handed out first; after close() began, nothing more is claimed
    const ahead = Math.min(wanted, claims.ahead.length);
    const claim = this.#consuming.closed ? 0 : wanted - ahead;
    let claimed: string[];
    try {
      claimed = await this.#finishes.add({ result: target.write(key, value), data, count: claim });
    } catch (error) {
      const { client } = this.#link;
      throw new DataStorePutException(`Could not store the result of ${key} and acknowledge its message: ${addressOf(client)} ${causeOf(client, error as Error)}`, { cause: error, raw: data });
    }
    claims.held.delete(data);
    unrevoked.forget(data);
    if (wanted === 0) return [];
    this.#consuming.startHeartbeat();
    this.#consuming.foundEmpty = claimed.length < claim;
    // claimed after close() began: release(), sent after this script on the same connection, puts them back
    if (this.#consuming.closed) return [];
    return [...claims.ahead.splice(0, ahead), ...claimed].map((found) => claims.hand(found));
  }

  /** Runs the `finish` script for the finishes of one turn: results stored, messages acknowledged, the next ones claimed. */
  #send(finishes: readonly Finish[]): Promise<string[]> {
    const { client, keys, consumerId, heartbeatMs } = this.#link;
    const count = finishes.reduce((sum, finish) => sum + finish.count, 0);
    const args: (string | number)[] = [keys.processing, keys.queue, keys.consumers, keys.heartbeat, keys.priorities, keys.revoked];
    for (const { result } of finishes) args.push(result.key);
    args.push(count, consumerId, heartbeatMs, keys.base);
    for (const { result, data } of finishes) args.push(...result.argv, data);
    return this.#consuming.claiming(() => client.hueyFinish(6 + finishes.length, ...args));
  }

  /** How `finish` writes `store`'s results in this queue's script, or `null` when it cannot; decided once a store. */
  #targetOf(store: BaseDataStore): ResultTarget | null {
    if (!(store instanceof RedisDataStore)) return null;
    let target = this.#reachable.get(store);
    if (target === undefined) {
      const found = store.resultTarget();
      const { client, tag } = this.#link;
      // a script reaches one Cluster slot: the result's key must carry the queue's hash tag
      target = sameDatabase(client, found.client) && (!isCluster(client) || found.tag === tag) ? found : null;
      this.#reachable.set(store, target);
    }
    return target;
  }
}
