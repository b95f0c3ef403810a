/**
 * The records of a Redis queue: the history as the capped list
 * `<prefix>{<name>}.history` (newest at the head: `LPUSH` then `LTRIM`),
 * the counters as the hash `<prefix>{<name>}.counters` (`HINCRBYFLOAT`);
 * one `MULTI` a batch, so a reader sees a batch whole or not at all.
 *
 * @internal
 * @module
 */
import { QueueReadException, QueueWriteException } from '../../exceptions.js';
import type { Records } from '../records.js';
import type { RedisClient } from './connection.js';
import { redisCall } from './errors.js';

export class RedisRecords implements Records {
  readonly #client: RedisClient;
  readonly #history: string;
  readonly #counters: string;
  readonly #queue: string;

  /**
   * @param client - The queue's connection.
   * @param base - What the queue's keys start with, `<prefix>{<name>}.`.
   * @param queueName - The queue's name, for error messages.
   */
  constructor(client: RedisClient, base: string, queueName: string) {
    this.#client = client;
    this.#history = `${base}history`;
    this.#counters = `${base}counters`;
    this.#queue = queueName;
  }

  async record(entries: readonly string[], counts: ReadonlyMap<string, number>, keep: number): Promise<void> {
    await redisCall(this.#client, QueueWriteException, `Could not write the records of queue "${this.#queue}"`, async () => {
      const multi = this.#client.multi();
      if (entries.length > 0) multi.lpush(this.#history, ...entries).ltrim(this.#history, 0, keep - 1);
      for (const [name, delta] of counts) multi.hincrbyfloat(this.#counters, name, delta);
      const replies = await multi.exec();
      const failed = replies?.find(([error]) => error !== null)?.[0];
      if (failed) throw failed;
    });
  }

  async history(limit: number): Promise<string[]> {
    if (!(limit > 0)) return [];
    return redisCall(this.#client, QueueReadException, `Could not read the history of queue "${this.#queue}"`, () =>
      this.#client.lrange(this.#history, 0, Number.isFinite(limit) ? limit - 1 : -1),
    );
  }

  async counters(): Promise<Map<string, number>> {
    const all = await redisCall(this.#client, QueueReadException, `Could not read the counters of queue "${this.#queue}"`, () => this.#client.hgetall(this.#counters));
    return new Map(Object.entries(all).map(([name, value]) => [name, Number(value)]));
  }
}
