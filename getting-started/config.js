// config.js: the queue, the invoker and the consumer's Configuration.
// Every other module imports what it needs from here.
import { join } from 'node:path';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';

let queue;
let resultStore;
if (process.env.HUEY_BACKEND === 'redis') {
  // loaded only when asked for, so the file backend never loads the Redis client
  const { RedisBlockingQueue, RedisDataStore } = await import('huey/backends/redis');
  queue = new RedisBlockingQueue('test-queue', { host: 'localhost', port: 6379 });
  resultStore = new RedisDataStore('results', { host: 'localhost', port: 6379 });
} else {
  const { FileQueue, FileDataStore } = await import('huey/backends/file');
  const path = join(import.meta.dirname, '.huey'); // beside this file, wherever you start from
  queue = new FileQueue('test-queue', { path });
  resultStore = new FileDataStore('results', { path });
}

export const invoker = new Invoker(queue, { resultStore });

export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static RESULT_STORE = resultStore;
}
