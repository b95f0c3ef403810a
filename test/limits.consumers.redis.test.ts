/** Limits per command through two consumer processes on Redis (the suite is in `limits-consumers.ts`). */
import { redisSkipReason } from './helpers.js';
import { deletePrefix, testPrefix } from './backends/redis-helpers.js';
import { limitsThroughConsumers } from './limits-consumers.js';

const prefix = testPrefix();
limitsThroughConsumers({
  name: 'Redis',
  backends: `
import { RedisBlockingQueue, RedisDataStore } from 'huey/backends/redis';
const redis = { host: '127.0.0.1', port: 6379, prefix: process.env.HUEY_LIMITS_PREFIX };
export const queue = new RedisBlockingQueue('limits', redis);
export const store = new RedisDataStore('limits', redis);
`,
  env: { HUEY_LIMITS_PREFIX: prefix },
  skip: await redisSkipReason(),
  cleanup: () => deletePrefix(prefix),
});
