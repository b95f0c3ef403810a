/** The running call through real consumer processes on Redis (the suite is in `running-call.ts`). */
import { redisSkipReason } from './helpers.js';
import { deletePrefix, testPrefix } from './backends/redis-helpers.js';
import { runningCallThroughConsumer } from './running-call.js';

const prefix = testPrefix();
runningCallThroughConsumer({
  name: 'Redis',
  backends: `
import { RedisBlockingQueue, RedisDataStore } from 'huey/backends/redis';
const redis = { host: '127.0.0.1', port: 6379, prefix: process.env.HUEY_RUNNING_PREFIX };
// a killed consumer's calls come back after 2 s without a heartbeat
export const queue = new RedisBlockingQueue('running', { ...redis, heartbeat: 2 });
export const store = new RedisDataStore('running', redis);
`,
  env: { HUEY_RUNNING_PREFIX: prefix },
  skip: await redisSkipReason(),
  cleanup: () => deletePrefix(prefix),
});
