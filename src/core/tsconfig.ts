/**
 * The two folders of a TypeScript app's `tsconfig.json` that command names
 * depend on: where the sources are (`rootDir`) and where they are compiled
 * to (`outDir`). A module compiled from `src/commands.ts` to
 * `dist/commands.js` is named `commands` either way.
 *
 * Only these two settings are read, so the file is parsed here (JSON with
 * comments and trailing commas, `extends` of relative files) rather than
 * with the TypeScript compiler, which apps need not install at run time.
 *
 * @internal
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The folders a package's `tsconfig.json` names, as absolute paths; absent when it names none. */
export interface BuildFolders {
  rootDir?: string;
  outDir?: string;
}

const cache = new Map<string, BuildFolders>();

/** What the `tsconfig.json` in `packageRoot` (if any) says; read once per package. */
export function buildFolders(packageRoot: string): BuildFolders {
  let folders = cache.get(packageRoot);
  if (folders === undefined) {
    const file = resolve(packageRoot, 'tsconfig.json');
    folders = existsSync(file) ? readFolders(file, new Set()) : {};
    cache.set(packageRoot, folders);
  }
  return folders;
}

/** `rootDir` and `outDir` of `file`, the nearer file's winning over what it extends; each relative to the file that sets it. */
function readFolders(file: string, seen: Set<string>): BuildFolders {
  if (seen.has(file) || !existsSync(file)) return {};
  seen.add(file);
  let config: { extends?: unknown; compilerOptions?: { rootDir?: unknown; outDir?: unknown } };
  try {
    config = JSON.parse(withoutComments(readFileSync(file, 'utf8'))) as typeof config;
  } catch {
    return {}; // tsc reports a broken tsconfig far better than we could; names then follow the package root
  }
  const parents = (Array.isArray(config.extends) ? config.extends : [config.extends])
    .filter((parent): parent is string => typeof parent === 'string' && parent.startsWith('.'))
    .map((parent) => readFolders(resolve(dirname(file), parent.endsWith('.json') ? parent : `${parent}.json`), seen));
  const own: BuildFolders = {};
  for (const key of ['rootDir', 'outDir'] as const) {
    const value = config.compilerOptions?.[key];
    if (typeof value === 'string') own[key] = resolve(dirname(file), value);
  }
  return Object.assign({}, ...parents, own) as BuildFolders;
}

/** JSON with comments and trailing commas (tsconfig's dialect) as plain JSON; strings are left alone. */
function withoutComments(text: string): string {
  return text
    .replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (match, string: string | undefined) => string ?? '')
    .replace(/("(?:[^"\\]|\\.)*")|,(\s*[}\]])/g, (match, string: string | undefined, closing: string | undefined) => string ?? closing ?? match);
}
