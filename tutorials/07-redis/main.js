import { isMain } from 'huey/utils';
import { whoRuns } from './commands.js';
import { invoker } from './config.js';

export { Configuration } from './config.js';

if (isMain(import.meta)) {
  const results = await Promise.all([1, 2, 3, 4, 5, 6].map((num) => whoRuns(num)));
  const pids = await Promise.all(results.map((result) => result.get({ blocking: true, timeout: 20 })));
  console.log(`${pids.length} results from ${new Set(pids).size} consumers`);
  await invoker.close();
}
