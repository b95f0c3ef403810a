#!/usr/bin/env node
// The inspect CLI's launcher: everything else lives in src/bin/inspect.ts.
import { main } from '../dist/src/bin/inspect.js';

process.exit(await main(process.argv.slice(2)));
