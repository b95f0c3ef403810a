import { Consumer } from 'huey/bin/consumer';
import { BaseConfiguration } from 'huey/bin/config';
import { queueCommand } from 'huey/decorators';
import { Invoker } from 'huey/queue';
import { ListDataStore, ListQueue } from './list-backend.js';

const queue = new ListQueue('beans');
const invoker = new Invoker(queue, { resultStore: new ListDataStore('results') });
const countBeans = queueCommand(invoker)(function countBeans(num) {
  return `Counted ${num} beans`;
});

class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static LOGLEVEL = 'warn';
}

const results = [await countBeans(1), await countBeans(2), await countBeans(3)];
await results[1].revoke(); // kept in the queue's controlStore, seen by every consumer
console.log(await queue.length(), 'messages waiting');
const consumer = new Consumer(invoker, Configuration);
await consumer.start();
for (const result of results) {
  console.log(await result.get({ blocking: true, timeout: 5 }).catch((error) => error.message));
}
await consumer.stop();
console.log(await queue.length(), 'messages waiting');

const lock = invoker.lockTask('reports');
await lock.run(async () => console.log('locked:', await invoker.isLocked('reports')));
console.log('locked:', await invoker.isLocked('reports'));
