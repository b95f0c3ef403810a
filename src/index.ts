/**
 * huey for TypeScript: a small task queue. Everything public, re-exported.
 *
 * @module
 */
export * from './exceptions.js';
export * from './queue.js';
export * from './decorators.js';
export * from './registry.js';
export * from './utils.js';
export * from './backends/base.js';
export * from './backends/memory.js';
export * from './backends/file.js';
export * from './bin/config.js';
export * from './bin/consumer.js';
export * from './observe/events.js';
export { currentTask, type RunningTask } from './running/current-task.js';
