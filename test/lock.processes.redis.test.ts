/** Locks across processes on Redis (the suite is in `lock-processes.ts`); each holder is a client of its own. */
import { RedisQueue } from 'huey/backends/redis';
import { REDIS, redisSkipReason } from './helpers.js';
import { deletePrefix, testPrefix } from './backends/redis-helpers.js';
import { lockProcesses } from './lock-processes.js';

const prefix = testPrefix();
lockProcesses(
  async () => ({ name: 'redis', connection: { ...REDIS, prefix }, queue: (name) => new RedisQueue(name, { ...REDIS, prefix }), cleanup: () => deletePrefix(prefix) }),
  await redisSkipReason(),
);
