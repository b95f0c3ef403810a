#!/usr/bin/env node
// The inspect CLI's launcher: everything else lives in src/cli/inspect.ts.
import { main } from '../dist/src/cli/inspect.js';

process.exit(await main(process.argv.slice(2)));
