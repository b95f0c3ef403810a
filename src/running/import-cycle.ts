/**
 * Import cycles named as such. When `config.js` imports `commands.js` and
 * `commands.js` imports the invoker from `config.js`, ES modules evaluate
 * `commands.js` first and its `queueCommand(invoker)` meets an `invoker`
 * not yet initialised: a bare `ReferenceError` that does not say "cycle".
 *
 * @internal
 * @module
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The cure, the same for every cycle between a configuration and its commands. */
const LAYOUT = 'Keep the layout of docs/imports.md: config.js makes the queue and the invoker and imports no commands; commands.js imports the invoker from config.js; main.js imports both and re-exports Configuration.';

/**
 * Explains `error` when it is the mark of an import cycle: which module
 * used which name, and from where it imports it.
 *
 * @returns The explanation, or `undefined` for any other error.
 */
export function importCycle(error: unknown): string | undefined {
  if (!(error instanceof ReferenceError)) return undefined;
  const name = /^Cannot access '([^']+)' before initialization$/.exec(error.message)?.[1];
  if (name === undefined) return undefined;
  const user = firstFile(error.stack ?? '');
  if (user === undefined) return `an import cycle: "${name}" was used before the module exporting it had finished loading.\n${LAYOUT}`;
  const from = importedFrom(user, name);
  const which = from === undefined ? 'the module exporting it' : from;
  return `an import cycle: ${basename(user)} uses "${name}"${from === undefined ? '' : ` from ${from}`} before ${which} has finished loading, because ${which} imports ${basename(user)} (directly or through other modules) while it loads.\n${LAYOUT}`;
}

/** The file of the stack's first frame: where the name was used. */
function firstFile(stack: string): string | undefined {
  const location = /\bat (?:.*\()?(file:\/\/[^\s)]+?|\/[^\s):]+?):\d+:\d+\)?/m.exec(stack)?.[1];
  if (location === undefined) return undefined;
  return location.startsWith('file:') ? fileURLToPath(location) : location;
}

/** The specifier `file` imports `name` from (`./config.js`), read from its import statements. */
function importedFrom(file: string, name: string): string | undefined {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const identifier = name.replaceAll('$', '\\$');
  const named = new RegExp(String.raw`import\s*(?:\w+\s*,\s*)?\{[^}]*\b${identifier}\b[^}]*\}\s*from\s*['"]([^'"]+)['"]`);
  return named.exec(source)?.[1];
}
