/**
 * `COMMANDS`: the modules the consumer (and each worker) imports at start-up
 * so that every command is registered before the first message arrives,
 * the Node form of the auto-discovery huey's docs mention for Django.
 *
 * @internal
 * @module
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigurationError } from '../exceptions.js';

/**
 * The files a pattern names, relative to `base`: a path, or a glob whose
 * segments may use `*` and `?` (within one folder) and `**` (any depth).
 * A small matcher of our own: Node 20 has no stable glob.
 */
export function expand(base: string, pattern: string): string[] {
  const segments = pattern.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (!/[*?]/.test(pattern)) {
    const file = resolve(base, pattern);
    return existsSync(file) ? [file] : [];
  }
  const found: string[] = [];
  const walk = (dir: string, rest: string[]): void => {
    const [segment, ...more] = rest;
    if (segment === undefined) return;
    if (segment === '..') return walk(resolve(dir, '..'), more);
    if (segment === '**') {
      walk(dir, more); // zero folders
      for (const entry of entries(dir)) if (entry.folder) walk(join(dir, entry.name), rest);
      return;
    }
    const match = segmentPattern(segment);
    for (const entry of entries(dir)) {
      if (!match.test(entry.name)) continue;
      const path = join(dir, entry.name);
      if (more.length === 0) {
        if (!entry.folder) found.push(path);
      } else if (entry.folder) walk(path, more);
    }
  };
  walk(base, segments);
  return [...new Set(found)].sort();
}

function entries(dir: string): { name: string; folder: boolean }[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.name !== 'node_modules' && !entry.name.startsWith('.'))
      .map((entry) => ({ name: entry.name, folder: entry.isDirectory() || (entry.isSymbolicLink() && statSync(join(dir, entry.name)).isDirectory()) }));
  } catch {
    return [];
  }
}

function segmentPattern(segment: string): RegExp {
  const source = segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${source}$`);
}

/**
 * Imports every module `COMMANDS` names, relative to the configuration module.
 *
 * @param configFile - The configuration module's file.
 * @param patterns - The `COMMANDS` list.
 * @param log - Called once per module imported, with its path relative to the configuration's folder.
 * @returns The files imported, in order.
 * @throws ConfigurationError naming the pattern that matches nothing or the module that fails to import.
 */
export async function importCommands(configFile: string, patterns: readonly string[], log: (file: string) => void = () => {}): Promise<string[]> {
  if (!Array.isArray(patterns) || patterns.some((pattern) => typeof pattern !== 'string')) {
    throw new ConfigurationError(`Expected \`COMMANDS\` to be a list of paths or globs, got ${JSON.stringify(patterns)}`);
  }
  const base = dirname(configFile);
  const imported: string[] = [];
  for (const pattern of patterns) {
    const files = expand(base, pattern);
    if (files.length === 0) throw new ConfigurationError(`COMMANDS: "${pattern}" matches no file (relative to ${relative(process.cwd(), base) || '.'}${sep})`);
    for (const file of files) {
      try {
        await import(pathToFileURL(file).href);
      } catch (error) {
        const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
        throw new ConfigurationError(`COMMANDS: unable to import "${relative(base, file)}"\n${detail}`, { cause: error });
      }
      imported.push(file);
      log(relative(base, file));
    }
  }
  return imported;
}
