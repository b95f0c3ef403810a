#!/usr/bin/env node
// The consumer's launcher: everything else lives in src/bin/cli.ts.
import { main } from '../dist/src/bin/cli.js';

process.exit(await main(process.argv.slice(2)));
