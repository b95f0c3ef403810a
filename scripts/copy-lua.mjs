// Copies the Redis backend's Lua scripts (src/backends/redis/lua/) to
// dist/src/backends/redis/lua/, where the compiled loader reads them: tsc
// emits only what it compiles. Run before tsc, so that a type error, which
// still lets tsc emit, does not leave dist/ without its scripts.
import { cpSync, rmSync } from 'node:fs';

const from = new URL('../src/backends/redis/lua/', import.meta.url);
const to = new URL('../dist/src/backends/redis/lua/', import.meta.url);
// a script renamed or deleted in src/ goes from dist/ too
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
