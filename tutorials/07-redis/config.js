import { RedisBlockingQueue, RedisDataStore } from 'huey/backends/redis';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';

const redis = { host: '127.0.0.1', port: 6379 };
const queue = new RedisBlockingQueue('tutorial-07', redis);
const resultStore = new RedisDataStore('tutorial-07', redis);
export const invoker = new Invoker(queue, { resultStore });

export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static RESULT_STORE = resultStore;
}
