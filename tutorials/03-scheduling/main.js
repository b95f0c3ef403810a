import { isMain } from 'huey/utils';
import { countBeans } from './commands.js';

export { Configuration } from './config.js';

if (isMain(import.meta)) {
  const started = Date.now();
  const later = await countBeans.schedule({ args: [2], delay: 2 });
  const at = await countBeans.schedule({ args: [1], eta: new Date(started + 1000) });
  const now = await countBeans(0);
  console.log('scheduled two, enqueued one');
  for (const result of [now, at, later]) {
    const beans = await result.get({ blocking: true, timeout: 10 });
    const seconds = (Date.now() - started) / 1000;
    console.log(`${beans} beans, done after ${seconds < beans ? 'less than' : 'at least'} ${beans} s`);
  }
}
