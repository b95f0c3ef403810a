import { join } from 'node:path';
import { FileQueue } from 'huey/backends/file';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';

const queue = new FileQueue('beans', { path: join(import.meta.dirname, '.huey') });
export const invoker = new Invoker(queue);

export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
}
