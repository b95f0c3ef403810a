import { join } from 'node:path';
import { FileDataStore, FileQueue } from 'huey/backends/file';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';

const path = join(import.meta.dirname, '.huey');
const queue = new FileQueue('controls', { path });
const resultStore = new FileDataStore('controls', { path });
export const invoker = new Invoker(queue, { resultStore });

export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static RESULT_STORE = resultStore;
}
