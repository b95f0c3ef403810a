import { countBeans } from './commands.js';

const result = await countBeans(7);
console.log(result.taskId);
