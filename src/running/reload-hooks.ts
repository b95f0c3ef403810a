/**
 * Module resolve hook for hot reload (registered with `module.register` by
 * the reloader). ESM caches a module by URL, so re-importing `commands.js`
 * would keep the old `helper.js` it imports. This hook gives every changed
 * app file, and every app file that imports one, a `?v=N` query while
 * resolving, so a reloaded command module imports its changed helpers
 * afresh. Files that never changed resolve as before, so the configuration
 * module (and the invoker it made) stays the one the consumer started with.
 *
 * @internal
 * @module
 */
import type { MessagePort } from 'node:worker_threads';

interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: unknown) => Promise<ResolveResult>;

/** file URL (no query) -> the version it resolves to */
let versions = new Map<string, number>();

export function initialize({ port }: { port: MessagePort }): void {
  port.on('message', (message: { id: number; versions: [string, number][] }) => {
    versions = new Map(message.versions);
    port.postMessage(message.id); // tells the reloader the new versions are in force
  });
  port.unref();
}

export async function resolve(specifier: string, context: unknown, nextResolve: NextResolve): Promise<ResolveResult> {
  const result = await nextResolve(specifier, context);
  if (!result.url.startsWith('file:') || result.url.includes('?')) return result;
  const version = versions.get(result.url);
  return version === undefined ? result : { ...result, url: `${result.url}?v=${version}` };
}
