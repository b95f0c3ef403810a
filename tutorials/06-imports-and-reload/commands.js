import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';
import { describe } from './words.js';

export const countBeans = queueCommand(invoker)(function countBeans(num) {
  console.log(describe(num));
});
