/**
 * `huey/queue`, huey 0.2's queue module: the {@link Invoker} puts calls
 * into a queue, reads them back and runs them; {@link QueueCommand} is one
 * call, {@link AsyncData} the producer's handle on its result, and
 * {@link CommandSchedule} keeps calls with an eta for backends that have no
 * schedule of their own. Each lives in a module of its own under `invoker/`
 * and `core/`; this page gathers them under huey's name.
 *
 * @module
 */
export { Invoker, type InvokerOptions, type DequeueOptions } from './invoker/invoker.js';
export { AsyncData, type GetOptions } from './invoker/async-data.js';
export { QueueCommand, PeriodicQueueCommand, type CallOptions } from './core/command.js';
export { CommandSchedule } from './invoker/schedule.js';
export { Pipeline, ResultGroup, type PipelineFailure, type Queued, type StepCall } from './invoker/pipeline.js';
export type { PipelineStep, TraceContext } from './core/message.js';
export { TaskLock, type LockOptions } from './controls/lock.js';
export type { RevokeOptions } from './controls/revoke.js';
