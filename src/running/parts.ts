/**
 * The parts of a consumer, made once it starts (or takes its first step):
 * the schedule, the fate of each message, and the read loop that feeds it.
 *
 * @internal
 * @module
 */
import type { Invoker } from '../invoker/invoker.js';
import { startHistory } from '../observe/history.js';
import { startTrace } from '../observe/trace.js';
import type { BaseConfiguration } from './config.js';
import { Fate } from './fate.js';
import { LimitGate } from './limit-gate.js';
import type { Logger } from './logger.js';
import { ReadLoop } from './read-loop.js';
import { openSchedule, type Schedule } from './schedule.js';
import { tracedExecutor } from './traced-executor.js';
import type { Executor } from './workers.js';

/** How long one blocking read waits before the loop looks around (shutdown, schedule), in ms. */
const READ_TIMEOUT_MS = 1000;

/** The parts a started (or stepped) consumer works with. */
export interface Parts {
  schedule: Schedule;
  fate: Fate;
  loop: ReadLoop;
}

/** What the parts are made from. */
export interface PartsContext {
  invoker: Invoker;
  config: typeof BaseConfiguration;
  log: Logger;
  clock: () => Date;
  executor: Executor;
  /** The package root unknown commands are imported from; ignored when `COMMANDS` is set (only its modules are imported). */
  importRoot: string | undefined;
  readTimeoutMs: number | undefined;
  /** Aborted when the consumer stops waiting for bookkeeping at shutdown. */
  giveUp: AbortSignal;
}

/** Starts the trace (with `TRACE`) and the history (`HISTORY`), opens the schedule and makes the fate and the read loop over it. */
export async function assemble(ctx: PartsContext): Promise<Parts> {
  const { invoker, config, log, clock } = ctx;
  if (config.TRACE) startTrace(invoker);
  if (config.HISTORY > 0) startHistory(invoker, config.HISTORY);
  const schedule = await openSchedule(invoker, log);
  let loop: ReadLoop | undefined;
  const fate = new Fate({
    invoker,
    log,
    clock,
    executor: tracedExecutor(ctx.executor, invoker.queue.name),
    schedule,
    importRoot: config.COMMANDS.length > 0 ? undefined : ctx.importRoot,
    maxDelayMs: config.MAX_DELAY * 1000,
    giveUp: ctx.giveUp,
    onScheduled: (eta) => loop?.scheduled(eta),
    maxDeliveries: config.MAX_DELIVERIES,
    limits: new LimitGate(invoker.queue, log, invoker.events),
  });
  loop = new ReadLoop({
    queue: invoker.queue,
    schedule,
    fate,
    log,
    clock,
    threads: config.THREADS,
    readTimeoutMs: ctx.readTimeoutMs ?? READ_TIMEOUT_MS,
    polling: { initialMs: config.INITIAL_DELAY * 1000, maxMs: config.MAX_DELAY * 1000, backoff: config.BACKOFF },
  });
  await loop.refreshNextEta();
  return { schedule, fate, loop };
}
