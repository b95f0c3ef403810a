/** Controls of calls through a real consumer process on the file backend (the suite is in `controls-consumer.ts`). */
import { scratchDir } from './helpers.js';
import { controlsThroughConsumer } from './controls-consumer.js';

const dir = await scratchDir('huey-controls-');
controlsThroughConsumer({
  name: 'files',
  backends: `
import { FileDataStore, FileQueue } from 'huey/backends/file';
export const queue = new FileQueue('controls', { path: process.env.HUEY_CONTROLS_DIR });
export const store = new FileDataStore('controls', { path: process.env.HUEY_CONTROLS_DIR });
`,
  env: { HUEY_CONTROLS_DIR: dir.path },
  cleanup: dir.remove,
});
