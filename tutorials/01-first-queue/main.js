import { isMain } from 'huey/utils';
import { countBeans } from './commands.js';

export { Configuration } from './config.js';

if (isMain(import.meta)) {
  for (const arg of process.argv.slice(2)) {
    await countBeans(Number(arg));
    console.log(`Enqueued job to count ${arg} beans`);
  }
}
