import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';

export const whoRuns = queueCommand(invoker)(async function whoRuns(num) {
  await new Promise((resolve) => setTimeout(resolve, 300));
  return process.pid;
});
