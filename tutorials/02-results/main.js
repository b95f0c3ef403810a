import { isMain } from 'huey/utils';
import { countBeans } from './commands.js';

export { Configuration } from './config.js';

if (isMain(import.meta)) {
  const result = await countBeans(Number(process.argv[2] ?? 100));
  console.log(`task ${result.taskId}`);
  const value = await result.get({ blocking: true, timeout: 10 });
  console.log('after waiting:', value, value.counted instanceof Date);
}
