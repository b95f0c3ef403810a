/**
 * `huey/bin/config`, huey 0.2's configuration module: subclass
 * {@link BaseConfiguration} to tell the consumer its queue, stores and
 * threads. The code lives in `running/config.ts`, beside the consumer's
 * other parts.
 *
 * @module
 */
export { BaseConfiguration, type LogLevel, type WorkerType } from '../running/config.js';
