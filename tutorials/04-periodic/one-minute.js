import { Consumer } from 'huey/bin/consumer';
import { invoker } from './config.js';
import './commands.js';
import { Configuration } from './main.js';

const consumer = new Consumer(invoker, Configuration);
console.log(await consumer.enqueuePeriodic(new Date('2026-01-05T09:00:00Z')));
console.log(await consumer.enqueuePeriodic(new Date('2026-01-05T09:00:30Z')));
console.log(await invoker.queue.length(), 'message waiting');
await invoker.queue.close();
