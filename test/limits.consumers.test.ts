/** Limits per command through two consumer processes on the file backend (the suite is in `limits-consumers.ts`). */
import { scratchDir } from './helpers.js';
import { limitsThroughConsumers } from './limits-consumers.js';

const dir = await scratchDir('huey-limits-');
limitsThroughConsumers({
  name: 'files',
  backends: `
import { FileDataStore, FileQueue } from 'huey/backends/file';
export const queue = new FileQueue('limits', { path: process.env.HUEY_LIMITS_DIR });
export const store = new FileDataStore('limits', { path: process.env.HUEY_LIMITS_DIR });
`,
  env: { HUEY_LIMITS_DIR: dir.path },
  cleanup: dir.remove,
});
