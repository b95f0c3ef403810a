import { countBeans } from './commands.js';

export { Configuration } from './config.js';

await countBeans(1);
console.log('unguarded.js enqueued a count');
