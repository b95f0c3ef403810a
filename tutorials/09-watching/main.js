import { writeFileSync } from 'node:fs';
import { isMain } from 'huey/utils';
import { countBeans } from './commands.js';

export { Configuration } from './config.js';

if (isMain(import.meta)) {
  for (const num of process.argv.slice(2)) {
    const res = await countBeans(Number(num));
    writeFileSync('task-id', res.taskId);
    console.log(`Enqueued task ${res.taskId} to count ${num} beans`);
  }
}
