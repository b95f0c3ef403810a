// main.js: the program. The consumer imports it too (main.Configuration),
// which imports the commands: that is how the consumer learns them.
import { createInterface } from 'node:readline/promises';
import { isMain } from 'huey/utils';
import { countBeans } from './commands.js';

export { Configuration } from './config.js'; // an ES module must export it for main.Configuration

if (isMain(import.meta)) {
  // only when run as `node main.js`, not when the consumer imports this module
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  const beans = Number(await prompt.question('How many beans? '));
  prompt.close();
  await countBeans(beans);
  console.log(`Enqueued job to count ${beans} beans`);
}
