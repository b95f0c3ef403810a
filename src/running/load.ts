/**
 * Finds the configuration class from a dotted path, as Python would import
 * it: `app.config.Configuration` is the export `Configuration` of
 * `app/config.js` (or `.mjs`, `.cjs`).
 *
 * @internal
 * @module
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigurationError } from '../exceptions.js';
import { moduleRoot } from '../core/paths.js';
import { closest } from '../core/suggest.js';
import { importCycle } from './import-cycle.js';
import { BaseConfiguration } from './config.js';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Directories searched first, in order, before `cwd`. */
  paths?: string[];
  /** The directory searched last. @defaultValue `process.cwd()` */
  cwd?: string;
}

/** What {@link loadConfig} found. */
export interface LoadedConfig {
  /** The configuration class. */
  Configuration: typeof BaseConfiguration;
  /** The module file it came from. */
  file: string;
  /** Where command names start (the package root, or a TypeScript app's build folder): unknown commands are imported from here, never outside. */
  root: string;
}

/**
 * Imports the module of a dotted path and returns its configuration class.
 * Importing it also imports whatever it imports: your commands, if the
 * module imports them (see "Understanding how commands are imported").
 *
 * @param dotted - `module.Attribute`, e.g. `main.Configuration` or `app.config.Configuration`.
 * @param options - Where to look.
 * @returns The class, its file and the root command names start from.
 * @throws ConfigurationError `Unable to import "app.config"` (with the cause on the next line) or `Missing module-level "Configuration"`.
 * @example
 * ```ts
 * const { Configuration } = await loadConfig('main.Configuration');
 * ```
 */
export async function loadConfig(dotted: string, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const dot = dotted.lastIndexOf('.');
  if (typeof dotted !== 'string' || dot <= 0 || dot === dotted.length - 1) {
    throw new ConfigurationError(`Expected a configuration path like "main.Configuration" (module.Attribute), got "${dotted}"`);
  }
  const moduleName = dotted.slice(0, dot);
  const attribute = dotted.slice(dot + 1);
  const relative = moduleName.split('.').join('/');
  const dirs = [...(options.paths ?? []), options.cwd ?? process.cwd()];
  const candidates = dirs.flatMap((dir) => ['.js', '.mjs', '.cjs'].map((ext) => resolve(dir, relative + ext)));
  const file = candidates.find((candidate) => existsSync(candidate));
  if (file === undefined) {
    const near = closest(relative, dirs.flatMap((dir) => modulesIn(resolve(dir, dirname(relative))).map((name) => join(dirname(relative), name))));
    const source = dirs.flatMap((dir) => ['.ts', '.mts', '.cts'].map((ext) => resolve(dir, relative + ext))).find((candidate) => existsSync(candidate));
    const hint = source !== undefined ? `: ${source} is TypeScript; compile it (tsc) and point the consumer at the compiled module, e.g. huey-consumer -p dist ${dotted}` : near === undefined ? '' : `: did you mean "${near.split('/').join('.')}"?`;
    throw new ConfigurationError(`Unable to import "${moduleName}"\nNo file ${relative}.js, .mjs or .cjs in ${dirs.join(', ')}${hint}`);
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const cycle = importCycle(error);
    if (cycle !== undefined) throw new ConfigurationError(`Unable to import "${moduleName}": ${cycle}`, { cause: error });
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    throw new ConfigurationError(`Unable to import "${moduleName}"\n${detail}`, { cause: error });
  }
  const Configuration = module[attribute];
  if (Configuration === undefined) {
    // Python's `from config import Configuration` makes a module-level name; an ES module has to export it
    const near = closest(attribute, Object.keys(module));
    if (near !== undefined) throw new ConfigurationError(`Missing module-level "${attribute}"\n${relative}: did you mean "${near}"? It exports ${Object.keys(module).join(', ')}`);
    throw new ConfigurationError(`Missing module-level "${attribute}"\n${relative}: export it, e.g. export { ${attribute} } from './config.js'`);
  }
  // duck-typed rather than instanceof: a configuration may extend another copy of huey's BaseConfiguration
  if (typeof Configuration !== 'function' || !('QUEUE' in Configuration)) {
    throw new ConfigurationError(`"${dotted}" is not a configuration class: extend BaseConfiguration and set QUEUE`);
  }
  return { Configuration: Configuration as typeof BaseConfiguration, file, root: moduleRoot(file) };
}

/** The module names (without extension) of the JavaScript files in `dir`; none when it cannot be read. */
function modulesIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => /\.(m|c)?js$/.test(name)).map((name) => name.replace(/\.(m|c)?js$/, ''));
  } catch {
    return [];
  }
}
