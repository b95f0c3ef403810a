import { crontab, periodicCommand } from 'huey/decorators';
import { invoker } from './config.js';

export const report = periodicCommand(invoker, crontab({ minute: '*' }))(function report() {
  console.log(`Reporting at ${new Date().toISOString().slice(11, 16)}`);
});
