import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';

export const send = queueCommand(invoker)(function send(what) {
  console.log(`sent ${what}`);
  return what;
});

// one report at a time, across every consumer: a call that finds the lock held fails and is retried
export const report = queueCommand(invoker, { lock: 'reports', retries: 5, retryDelay: 1 })(function report(day) {
  console.log(`report of ${day}`);
  return `report of ${day}`;
});

export const add = queueCommand(invoker)(function add(a, b) {
  return a + b;
});

export const mul = queueCommand(invoker)(function mul(a, b) {
  return a * b;
});

export const check = queueCommand(invoker)(function check(n) {
  if (n > 100) throw new RangeError(`${n} is too big`);
  return n;
});

export const alert = queueCommand(invoker)(function alert(failure, who) {
  console.log(`alert ${who}: ${failure.command} failed: ${failure.message}`);
});

// a paid API: at most 2 calls a second and 1 at a time, across every consumer
export const callApi = queueCommand(invoker, { rateLimit: { calls: 2, per: 1 }, concurrency: 1 })(function callApi(n) {
  console.log(`called the API (${n})`);
  return n;
});
