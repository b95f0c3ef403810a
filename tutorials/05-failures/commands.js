import { currentTask } from 'huey';
import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';

let attempts = 0;

export const countBeans = queueCommand(invoker, { retries: 2, retryDelay: 1 })(function countBeans(num) {
  attempts += 1;
  if (attempts < 3) throw new Error(`bean counter jammed (attempt ${attempts})`);
  console.log(`Counted ${num} beans on attempt ${attempts}`);
  return num;
});

export const spillBeans = queueCommand(invoker)(function spillBeans() {
  throw new TypeError('the beans are everywhere');
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const countSlowly = queueCommand(invoker)(async function countSlowly(num) {
  // which time this call was handed to a consumer: 2 after a crash put it back
  console.log(`delivery ${currentTask().deliveries}`);
  for (let bean = 1; bean <= num; bean++) {
    await sleep(1000);
    console.log(`bean ${bean} of ${num}`);
  }
  return num;
});
