/** The running call through real consumer processes on the file backend (the suite is in `running-call.ts`). */
import { scratchDir } from './helpers.js';
import { runningCallThroughConsumer } from './running-call.js';

const dir = await scratchDir('huey-running-');
runningCallThroughConsumer({
  name: 'files',
  backends: `
import { FileDataStore, FileQueue } from 'huey/backends/file';
// a consumer that stops beating is taken for dead after 2 s
export const queue = new FileQueue('running', { path: process.env.HUEY_RUNNING_DIR, heartbeatTimeout: 2 });
export const store = new FileDataStore('running', { path: process.env.HUEY_RUNNING_DIR });
`,
  env: { HUEY_RUNNING_DIR: dir.path },
  cleanup: dir.remove,
});
