/**
 * The inspect CLI on the file backend: the suite of inspect-suite.ts, with
 * a consumer process killed while it holds a message.
 */
import { scratchDir } from './helpers.js';
import { inspectSuite } from './inspect-suite.js';

const dir = await scratchDir('huey-inspect-file-');

inspectSuite({
  name: 'file',
  shared: true,
  env: async () => ({ HUEY_INSPECT_DIR: dir.path }),
  cleanup: dir.remove,
  config: `
import { FileDataStore, FileQueue } from 'huey/backends/file';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
const path = process.env.HUEY_INSPECT_DIR;
export const queue = new FileQueue('inspect', { path });
export const store = new FileDataStore('inspect-results', { path });
export const invoker = new Invoker(queue, { resultStore: store, trace: true });
export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static RESULT_STORE = store;
  static TRACE = true;
}
`,
});
