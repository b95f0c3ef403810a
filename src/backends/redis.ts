/**
 * The Redis backend: any number of producers and consumers on any number
 * of hosts share one Redis (or a Redis Cluster or Sentinel set, through
 * ioredis). Only this module loads ioredis; importing `huey` does not.
 *
 * Messages stay readable with `redis-cli`: `LRANGE huey.redis.{testqueue} 0 -1`
 * lists the waiting ones, and `redis-cli MONITOR` shows each `LPUSH` of a
 * producer and each `BLMOVE` of a consumer, as huey's getting-started
 * shows `LPUSH` and `BRPOP`.
 *
 * ## Keys
 *
 * `<prefix>` is `huey.redis.` unless the `prefix` option says otherwise;
 * `<name>` is the queue's (or store's) name with everything but a-z and 0-9
 * removed, as huey 0.2 did (`test-queue` becomes `testqueue`). The name
 * sits in a hash tag `{…}`, so every key of one queue lives in one Redis
 * Cluster slot and the scripts that touch several of them work there too.
 *
 * | key                                        | type       | holds                                                                                   |
 * |--------------------------------------------|------------|-----------------------------------------------------------------------------------------|
 * | `<prefix>{<name>}`                         | list       | waiting messages: producers `LPUSH` (in `write`), consumers take from the right (the head) |
 * | `<prefix>{<name>}.processing.<consumer>`   | list       | messages a consumer has taken and not yet acknowledged                                  |
 * | `<prefix>{<name>}.heartbeat.<consumer>`    | string     | the consumer's id, with a TTL (`heartbeat`, 15 s) it refreshes every third of that      |
 * | `<prefix>{<name>}.consumers`               | sorted set | consumer ids that have taken messages; score 0 while alive, else when first found dead  |
 * | `<prefix>{<name>}.schedule`                | sorted set | scheduled messages, scored by eta (ms since the epoch)                                  |
 * | `<prefix>{<name>}.dead`                    | list       | dead letters, oldest first: JSON `{"data","reason","at"}`                               |
 * | `<prefix>{<name>}.lease.<key>`             | string     | a lease (`periodic:<minute>`): the holder's id, expiring after the lease's time         |
 * | `<prefix>{<name>}.trace`                   | stream     | the trace (`traceAppend`): one line an entry, capped at about 100,000 (`XADD MAXLEN ~`) |
 * | `<prefix>results.{<name>}.<task id>`       | string     | one result, expiring after `resultTtl` (a week) unless read first                       |
 *
 * A consumer id is `<host>:<pid>:<random>`. The result store also
 * publishes each stored task id on the pub/sub channel
 * `<prefix>results.{<name>}`, which wakes producers waiting for it.
 *
 * ## Scripts
 *
 * Each step that touches several keys is one Lua script, a file of
 * `redis/lua/` named after it (`deadLetter` is `dead-letter.lua`);
 * `redis-cli MONITOR` shows it as `EVALSHA` with its keys:
 *
 * | script       | run by                            | does                                                                                    |
 * |--------------|-----------------------------------|-----------------------------------------------------------------------------------------|
 * | `write`      | `write`                           | `LPUSH` of a message to the plain list, or to its priority's list (see `redis/lua.ts`) |
 * | `claim`      | `read`, `readMany`                | registers the consumer, moves up to `count` messages into its processing list           |
 * | `finish`     | `finish`, `finishAndRead`         | for each call: `SET` of the result with its TTL, `PUBLISH` of its key, `LREM` of the message; then a claim of the slots' next messages: one step |
 * | `putResult`  | `RedisDataStore.put`              | `SET` of the result with its TTL, `PUBLISH` of its key                                  |
 * | `due`        | `due`                             | moves due scheduled messages into the processing list                                   |
 * | `heartbeat`  | the heartbeat timer               | refreshes the heartbeat and marks the consumer alive                                    |
 * | `recover`    | `recover`, the heartbeat timer    | puts dead consumers' processing lists back at the head of the queue                     |
 * | `reclaim`    | the first claim after a reconnect | puts back what a claim whose reply was lost left in the processing list                 |
 * | `release`    | `close`                           | puts the processing list back, removes the heartbeat                                    |
 * | `deadLetter` | `deadLetter`                      | moves a message from the processing list to the dead letters                            |
 *
 * On a Redis Cluster a script reaches the keys of one slot: `finish`
 * stores in one step only for a store of the queue's own name (same hash
 * tag) and answers `false` for another, so the consumer calls `put` and
 * `ack` instead.
 *
 * ## Delivery
 *
 * A read moves the message atomically into the reader's processing list
 * (`LMOVE` in a script, or `BLMOVE` when it waits); `ack` removes it from
 * there, or `finish`, in the script that stores its result. Each queue
 * object that reads keeps a heartbeat key alive; when a consumer dies, its
 * heartbeat expires and `recover()` (run by every live consumer's
 * heartbeat timer, and at will) puts its messages back at the head of the
 * queue. A consumer on the same host whose process is gone is recovered at
 * once. `close()` puts the closing consumer's unacknowledged messages back.
 *
 * ## Code
 *
 * This module only re-exports; each concept has a file under `redis/`:
 * `queue` (`RedisQueue`, its verbs), `queue-options` (its options, and
 * what a queue object is made of), `consuming` (its claims, heartbeat and
 * release), `fast-path` (`finish`), `writes` (writes and the wait for
 * replicas), `blocking-queue` (`RedisBlockingQueue`), `store`
 * (`RedisDataStore`), `lua` (the loader of the Lua scripts in `lua/`, one
 * file per atomic operation), `connection` (options, defaults, clients),
 * `keys`, `consumer-id`, `claims` (what a consumer holds, and the repair
 * after a dropped connection), `finishes` (the finishes of one turn of the
 * event loop, sent together), `blocking-read` (the `BLMOVE` connection),
 * `controls` (priorities, revocations, locks) and `inspect` (`huey info`,
 * `peek`, `trace`).
 *
 * @module
 */
export { RedisQueue, type RedisQueueOptions } from './redis/queue.js';
export { RedisBlockingQueue } from './redis/blocking-queue.js';
export { RedisDataStore, type RedisDataStoreOptions } from './redis/store.js';
export type { RedisConnectionOptions, RedisSentinelOptions, RedisClient } from './redis/connection.js';
