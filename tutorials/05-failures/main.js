import { isMain } from 'huey/utils';
import { countBeans, spillBeans } from './commands.js';

export { Configuration } from './config.js';

if (isMain(import.meta)) {
  const counted = await countBeans(5);
  console.log('countBeans:', await counted.get({ blocking: true, timeout: 20 }));
  const spilled = await spillBeans();
  try {
    await spilled.get({ blocking: true, timeout: 20 });
  } catch (error) {
    console.log(`spillBeans: ${error.name}: ${error.message} (a ${error.remoteName} in the consumer)`);
  }
}
