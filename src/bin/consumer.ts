/**
 * `huey/bin/consumer`, huey 0.2's consumer module: the {@link Consumer}
 * reads calls from the queue and runs them, and {@link loadConfig} finds a
 * configuration by its dotted name. The consumer's parts (read loop,
 * workers, a message's fate, reload, periodic commands, recovery) live in
 * `running/`, one concept a module.
 *
 * @module
 */
export { Consumer } from '../running/consumer.js';
export { loadConfig, type LoadedConfig, type LoadConfigOptions } from '../running/load.js';
export type { ConsumerOptions, StepResult } from '../running/consumer-options.js';
