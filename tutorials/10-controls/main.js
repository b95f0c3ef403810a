import './commands.js';

export { Configuration } from './config.js';
