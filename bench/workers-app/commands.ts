import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';

/** Keeps a core busy for `ms` milliseconds: CPU-bound work. */
export const burn = queueCommand(invoker)(function burn(ms: number): number {
  const end = Date.now() + ms;
  let spins = 0;
  while (Date.now() < end) spins++;
  return spins;
});

/** Does nothing: what a call costs beyond its own work. */
export const noop = queueCommand(invoker)(function noop(): number {
  return 1;
});
