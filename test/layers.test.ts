/**
 * The map of the layers of `src/`. Each layer may import its own files and
 * the layers below it, never one above; no files import each other in a
 * circle. Type-only and dynamic imports count like any other: a type that
 * points up a layer is a concept living in the wrong place.
 *
 * Run this before adding an import across folders.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { REPO_ROOT } from './helpers.js';

/**
 * The layers, from the top down. A file's layer is its folder under `src/`;
 * the files at the top of `src/` are huey 0.2's public face, but for
 * `exceptions.ts`, which every layer may throw.
 *
 * | layer      | holds                                                              |
 * |------------|--------------------------------------------------------------------|
 * | faces      | `src/*.ts`: huey 0.2's modules (queue, decorators, registry, ...)   |
 * | cli        | `huey info / trace / peek / web ...`: the inspect command line      |
 * | web        | the live view, its server and its page                              |
 * | bin        | huey 0.2's bin: config, consumer, and the consumer's command line   |
 * | running    | the consumer's parts: read loop, workers, fate, reload, periodic    |
 * | invoker    | the Invoker and what it hands out: handles, schedules, pipelines    |
 * | observe    | events, the trace, and the looks that inspection shares             |
 * | controls   | revoke, expiry, locks, leases, dead letters: once, on the verbs     |
 * | backends   | the contract (`base.ts`) and the memory, file and Redis backends    |
 * | core       | the model, no I/O: the message format, commands, registry, crontab  |
 * | exceptions | `src/exceptions.ts`                                                 |
 */
export const LAYERS = ['faces', 'cli', 'web', 'bin', 'running', 'invoker', 'observe', 'controls', 'backends', 'core', 'exceptions'] as const;

/** The layer of a file, given by its path under `src/`. */
export function layerOf(path: string): string {
  if (path === 'exceptions.ts') return 'exceptions';
  const folder = path.split('/')[0]!;
  return path.includes('/') ? folder : 'faces';
}

/** One import: `from` (a path under `src/`) names `to` (also under `src/`). */
export interface Edge {
  from: string;
  to: string;
}

/** Every import of one file that names another file under `src/`, type-only and dynamic ones included. */
export function importsOf(path: string, source: string): string[] {
  const found = ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
  return found
    .filter((name) => name.startsWith('.'))
    .map((name) => join(dirname(path), name).replace(/\.js$/, '.ts'))
    .filter((name) => !name.startsWith('..'));
}

/** The imports that point up a layer, each as `from -> to (layer -> layer)`. */
export function upwardImports(edges: Edge[]): string[] {
  const rank = (path: string): number => {
    const index = (LAYERS as readonly string[]).indexOf(layerOf(path));
    assert.notEqual(index, -1, `${path} is in no layer of the table: add its folder to LAYERS`);
    return index;
  };
  return edges.filter(({ from, to }) => rank(to) < rank(from)).map(({ from, to }) => `${from} -> ${to} (${layerOf(from)} imports ${layerOf(to)}, a layer above it)`);
}

/** The circles of the import graph, each as its files in order, `a -> b -> a` (Tarjan's strongly connected components). */
export function circles(edges: Edge[]): string[] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (stack.includes(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const members: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      members.unshift(member);
      if (member === node) break;
    }
    if (members.length > 1 || (next.get(node) ?? []).includes(node)) found.push([...members, members[0]].join(' -> '));
  };
  for (const node of next.keys()) if (!index.has(node)) visit(node);
  return found;
}

const SRC = resolve(REPO_ROOT, 'src');

/** Every TypeScript file under `src/`, as a path under `src/`. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

const files = sourceFiles();
const edges = files.flatMap((from) => importsOf(from, readFileSync(join(SRC, from), 'utf8')).map((to) => ({ from, to })));

test('layers: no file of src/ imports a file of a layer above its own', () => {
  assert.deepEqual(upwardImports(edges), []);
});

test('layers: no files of src/ import each other in a circle, type-only imports included', () => {
  assert.deepEqual(circles(edges), []);
});

test('layers: no file of src/ is over 400 lines', () => {
  const long = files.map((path) => ({ path, lines: readFileSync(join(SRC, path), 'utf8').split('\n').length - 1 })).filter(({ lines }) => lines > 400);
  assert.deepEqual(long, []);
});

test('layers: every file of src/ is in a layer of the table', () => {
  assert.deepEqual(files.filter((path) => !(LAYERS as readonly string[]).includes(layerOf(path))), []);
});

test('layers: the checks find an upward import, a circle through a type-only import, and a dynamic import', () => {
  const source = "import type { A } from './a.js';\nimport { b } from '../core/b.js';\nconst c = await import('../web/c.js');\nimport x from 'node:fs';";
  assert.deepEqual(importsOf('running/x.ts', source), ['running/a.ts', 'core/b.ts', 'web/c.ts']);
  assert.deepEqual(upwardImports([{ from: 'core/b.ts', to: 'running/x.ts' }, { from: 'running/x.ts', to: 'core/b.ts' }]), [
    'core/b.ts -> running/x.ts (core imports running, a layer above it)',
  ]);
  assert.deepEqual(circles([{ from: 'a.ts', to: 'b.ts' }, { from: 'b.ts', to: 'c.ts' }, { from: 'c.ts', to: 'a.ts' }, { from: 'c.ts', to: 'd.ts' }]), ['a.ts -> b.ts -> c.ts -> a.ts']);
  assert.equal(layerOf('exceptions.ts'), 'exceptions');
  assert.equal(layerOf('queue.ts'), 'faces');
  assert.equal(layerOf('backends/redis/queue.ts'), 'backends');
});
