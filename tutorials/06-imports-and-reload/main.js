import { isMain } from 'huey/utils';
import { countBeans } from './commands.js';

export { Configuration } from './config.js';

if (isMain(import.meta)) {
  await countBeans(Number(process.argv[2] ?? 1));
}
