/**
 * Where a module lives relative to its package: the basis of command names
 * (`commands.countBeans`) and of the consumer's one dynamic import.
 *
 * @internal
 * @module
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFolders } from './tsconfig.js';

/** The file a module URL or path names: `file:` URLs decoded, query strings of re-imports stripped, symlinks resolved. */
export function moduleFile(urlOrPath: string): string {
  // only a URL has a query string; in a plain path (a CommonJS caller) `#` and `?` are part of a folder's name
  const path = urlOrPath.startsWith('file:') ? fileURLToPath(urlOrPath.replace(/[?#].*$/, '')) : urlOrPath;
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The nearest directory at or above `file` that holds a `package.json`; the file's own directory when there is none. */
export function packageRoot(file: string): string {
  const start = dirname(file);
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/**
 * The folder module names are relative to: the package root, or in a
 * TypeScript app the `outDir` or `rootDir` of its `tsconfig.json` when
 * `file` is inside one. So `dist/commands.js`, compiled from
 * `src/commands.ts`, is `commands` like its source, whatever the build
 * folder is called.
 */
export function moduleRoot(file: string): string {
  const root = packageRoot(file);
  const { outDir, rootDir } = buildFolders(root);
  return [outDir, rootDir].find((dir) => dir !== undefined && isInside(file, dir) && isInside(dir, root)) ?? root;
}

/** `true` when `path` is `dir` or below it. */
function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return !rel.startsWith('..') && !isAbsolute(rel);
}

/** The dotted-free module name of `file`: its path relative to its {@link moduleRoot}, without extension, `/` between folders. */
export function moduleName(file: string): string {
  const rel = relative(moduleRoot(file), file);
  return rel.slice(0, rel.length - extname(rel).length).split(sep).join('/');
}

/** The extensions of modules the consumer may import by a command's name. */
const MODULE_EXTENSIONS = ['.js', '.mjs', '.cjs'];

/** Where a command's module is: its file, or why it may not be imported, or neither (no such file). */
export type CommandModule = { file: string; refused?: undefined } | { file?: undefined; refused: string } | { file?: undefined; refused?: undefined };

/**
 * Finds the module that defines module `name` (`apps/billing/tasks` of the
 * command `apps/billing/tasks.charge`) under the package root `root`. The
 * name comes from a message, so anyone who can write to the queue chooses
 * it: the file must be under `root` by its real path (symlinks resolved),
 * never under `node_modules/`, with an extension the loader knows.
 *
 * @returns `{ file }` to import, `{ refused }` saying why it may not be, or `{}` when no file is there.
 */
export function commandModule(root: string, name: string): CommandModule {
  const segments = name.split('/');
  if (name.includes('\0') || name.includes('\\') || isAbsolute(name) || segments.some((s) => s === '' || s === '.' || s === '..')) {
    return { refused: 'its module is not a path inside the app' };
  }
  if (segments.includes('node_modules')) return { refused: 'its module is under node_modules/, not part of the app' };
  const file = MODULE_EXTENSIONS.map((ext) => join(root, ...segments) + ext).find((candidate) => existsSync(candidate));
  if (file === undefined) return {};
  const real = moduleFile(file);
  const rel = relative(moduleFile(root), real);
  if (rel.startsWith('..') || isAbsolute(rel)) return { refused: 'its module resolves (through a symlink) outside the app\'s package root' };
  if (rel.split(sep).includes('node_modules')) return { refused: 'its module resolves (through a symlink) under node_modules/' };
  if (!MODULE_EXTENSIONS.includes(extname(real))) return { refused: `its module resolves to a ${extname(real) || 'extensionless'} file, not a JavaScript module` };
  return { file: real };
}

/**
 * The URL (or path) of the first module on the call stack outside huey's own
 * `src/`: the module that called a decorator. It keeps the query string, so
 * a re-import (`commands.js?v=2`) can be told from the first import.
 */
export function callerModule(): string | undefined {
  const previous = { prepare: Error.prepareStackTrace, limit: Error.stackTraceLimit };
  const holder: { stack?: NodeJS.CallSite[] } = {};
  let sites: NodeJS.CallSite[] = [];
  try {
    Error.prepareStackTrace = (_error, callSites) => callSites;
    Error.stackTraceLimit = 50;
    Error.captureStackTrace(holder, callerModule);
    sites = holder.stack ?? []; // the stack is formatted on first access: read it while our formatter is set
  } finally {
    Error.prepareStackTrace = previous.prepare;
    Error.stackTraceLimit = previous.limit;
  }
  for (const site of sites) {
    const name = site.getFileName();
    if (name === undefined || name === null || name.startsWith('node:')) continue;
    if (moduleFile(name).startsWith(OWN_DIR)) continue;
    return name;
  }
  return undefined;
}

/** The package's own `src/` (or `dist/src/`): frames in it are not the caller's. */
const OWN_DIR = dirname(dirname(moduleFile(import.meta.url))) + sep;
