/** Controls of calls through a real consumer process on Redis (the suite is in `controls-consumer.ts`). */
import { redisSkipReason } from './helpers.js';
import { deletePrefix, testPrefix } from './backends/redis-helpers.js';
import { controlsThroughConsumer } from './controls-consumer.js';

const prefix = testPrefix();
controlsThroughConsumer({
  name: 'Redis',
  backends: `
import { RedisBlockingQueue, RedisDataStore } from 'huey/backends/redis';
const redis = { host: '127.0.0.1', port: 6379, prefix: process.env.HUEY_CONTROLS_PREFIX };
export const queue = new RedisBlockingQueue('controls', redis);
export const store = new RedisDataStore('controls', redis);
`,
  env: { HUEY_CONTROLS_PREFIX: prefix },
  skip: await redisSkipReason(),
  cleanup: () => deletePrefix(prefix),
});
