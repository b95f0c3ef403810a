import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';

export const countBeans = queueCommand(invoker)(function countBeans(num) {
  return { beans: num, counted: new Date('2026-01-01T00:00:00Z') };
});
