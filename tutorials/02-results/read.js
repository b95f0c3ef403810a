import { AsyncData } from 'huey/queue';
import { resultStore } from './config.js';

const result = new AsyncData(resultStore, process.argv[2]);
console.log(await result.get());
console.log(await new AsyncData(resultStore, process.argv[2]).get());
