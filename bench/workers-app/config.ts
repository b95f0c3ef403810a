// The app the worker benchmark runs: a memory queue, and the commands in COMMANDS,
// which thread and process workers import themselves.
import { MemoryDataStore, MemoryQueue } from 'huey/backends/memory';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';

export const queue = new MemoryQueue('bench-workers');
export const invoker = new Invoker(queue, { resultStore: new MemoryDataStore('bench-workers') });

export class Configuration extends BaseConfiguration {
  static override QUEUE = queue;
  static override RESULT_STORE = invoker.resultStore;
  static override COMMANDS = ['./commands.js'];
}
