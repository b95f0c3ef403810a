/**
 * Small helpers for user code.
 *
 * @module
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Tells whether the module is the program Node was started with: the
 * `if __name__ == '__main__'` of ESM.
 *
 * It compares the module's file with `process.argv[1]`, both with symlinks
 * resolved, so `node main.js`, `node ./main.js` and `node main` all count.
 *
 * @param meta - The caller's `import.meta`.
 * @returns `true` when the calling module is the entry point.
 * @example
 * ```js
 * import { isMain } from 'huey/utils';
 * if (isMain(import.meta)) await countBeans(100);
 * ```
 */
export function isMain(meta: ImportMeta): boolean {
  const entry = process.argv[1];
  if (entry === undefined || !meta.url.startsWith('file:')) return false;
  const self = realpath(fileURLToPath(meta.url));
  const started = resolve(entry);
  return [started, `${started}.js`, `${started}.mjs`, `${started}.cjs`].some((candidate) => realpath(candidate) === self);
}

function realpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // a path that does not exist cannot be the entry point; compare it as given
  }
}
