/**
 * `huey/registry`, huey 0.2's registry module: every command a process
 * knows, by name, and the one dynamic import of an unknown command's
 * module. The code lives in `core/registry.ts`.
 *
 * @module
 */
export { CommandRegistry, registry, type CommandDefinition, type DateValidator, type RegisterOutcome } from './core/registry.js';
