import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';

export const countBeans = queueCommand(invoker)(function countBeans(num) {
  return `Counted ${num} beans`;
});
