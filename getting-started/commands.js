// commands.js: the functions whose calls go through the queue.
import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js'; // the invoker made in config.js

export const countBeans = queueCommand(invoker)(function countBeans(num) {
  console.log(`Counted ${num} beans`);
  return `Counted ${num} beans`;
});
