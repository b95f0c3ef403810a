/**
 * The inspect CLI on Redis: the suite of inspect-suite.ts against a real
 * Redis (the trace is a stream, the claims are processing lists, the
 * heartbeats are keys with a TTL: a fake would test the fake), with a key
 * prefix of its own, deleted afterwards; then an unreachable Redis. Skipped
 * without Redis, failing instead under HUEY_REQUIRE_REDIS=1.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { main } from '../src/cli/inspect.js';
import { deletePrefix, testPrefix } from './backends/redis-helpers.js';
import { REDIS, redisSkipReason, scratchPackage, type ScratchPackage } from './helpers.js';
import { inspectSuite } from './inspect-suite.js';

const skip = await redisSkipReason();
const prefix = testPrefix();

inspectSuite({
  name: 'redis',
  shared: true,
  skip,
  env: async () => ({ HUEY_INSPECT_PREFIX: prefix, HUEY_INSPECT_REDIS: `${REDIS.host}:${REDIS.port}` }),
  cleanup: () => deletePrefix(prefix),
  config: `
import { RedisBlockingQueue, RedisDataStore } from 'huey/backends/redis';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
const [host, port] = process.env.HUEY_INSPECT_REDIS.split(':');
const connection = { host, port: Number(port), prefix: process.env.HUEY_INSPECT_PREFIX };
export const queue = new RedisBlockingQueue('inspect', connection);
export const store = new RedisDataStore('inspect-results', connection);
export const invoker = new Invoker(queue, { resultStore: store, trace: true });
export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static RESULT_STORE = store;
  static TRACE = true;
}
`,
});

let pkg: ScratchPackage;
before(async () => {
  pkg = await scratchPackage({
    'down.js': `
import { RedisBlockingQueue } from 'huey/backends/redis';
import { BaseConfiguration } from 'huey/bin/config';
// nothing listens on port 1
export class Configuration extends BaseConfiguration { static QUEUE = new RedisBlockingQueue('down', { host: '127.0.0.1', port: 1, commandTimeout: 300 }); }
`,
  });
});
after(() => pkg?.remove());

test('huey info on a Redis that does not answer is one clear line and exit code 1', { skip }, async () => {
  let stderr = '';
  const code = await main(['info', 'down.Configuration', '-p', pkg.path], { stdout: () => {}, stderr: (t) => void (stderr += t) });
  assert.equal(code, 1);
  assert.match(stderr, /^huey: cannot reach the backend of queue "down": .+\n$/);
});
