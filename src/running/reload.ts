/**
 * Hot reload: chokidar watches every app module that registered commands and
 * the app modules they import; a change re-imports the command modules it
 * reaches, replacing their commands. Calls in flight finish on the code they
 * started with. ESM cannot unload a module, so every reload keeps the old
 * module's code in memory until the consumer restarts.
 *
 * @internal
 * @module
 */
import { watch, type FSWatcher } from 'chokidar';
import { existsSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { moduleFile } from '../core/paths.js';
import type { HueyEvents, TypedEmitter } from '../observe/events.js';
import type { CommandRegistry } from '../core/registry.js';
import type { Logger } from './logger.js';

/** Changes closer together than this are one reload (an editor's save is often several writes). */
const DEBOUNCE_MS = 100;

/** Options of {@link Reloader}. */
export interface ReloaderOptions {
  /** The configuration module: a change to it, or to what it imports besides commands, needs a restart. */
  configFile: string;
  /** The package root; only app files under it (not in node_modules) are watched. */
  root: string;
  /** Called after command modules were re-imported: the consumer starts fresh workers. */
  onReload?: () => Promise<void>;
  /** Where to emit `reloaded`: the invoker's events. */
  events?: TypedEmitter<HueyEvents>;
}

/** Watches command modules and reloads them when they change. */
export class Reloader {
  readonly #registry: CommandRegistry;
  readonly #log: Logger;
  readonly #configFile: string;
  readonly #root: string;
  readonly #onReload: (() => Promise<void>) | undefined;
  readonly #events: TypedEmitter<HueyEvents> | undefined;
  #watcher: FSWatcher | undefined;
  #port: MessagePort | undefined;
  #versions = new Map<string, number>();
  #generation = 0;
  #pending = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #reloading: Promise<void> = Promise.resolve();
  #watched = new Set<string>();

  constructor(registry: CommandRegistry, log: Logger, options: ReloaderOptions) {
    this.#registry = registry;
    this.#log = log;
    this.#configFile = moduleFile(options.configFile);
    this.#root = moduleFile(options.root);
    this.#onReload = options.onReload;
    this.#events = options.events;
  }

  /** Starts watching; resolves once the watcher is ready. */
  async start(): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    register(new URL('./reload-hooks.js', import.meta.url), { data: { port: port2 }, transferList: [port2] });
    this.#port = port1;
    this.#port.unref();
    this.#watcher = watch([], { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 10 } });
    this.#watcher.on('change', (file: string) => this.#changed(file));
    this.#watcher.on('add', (file: string) => this.#changed(file));
    this.#watcher.on('error', (error: unknown) => this.#log.error(`reload watcher: ${(error as Error).message}`));
    this.#watchGraph();
    await new Promise<void>((ready) => this.#watcher!.once('ready', () => ready()));
    this.#log.info(`reload: watching ${this.#watched.size} files for changes`);
  }

  /** Stops watching; waits for a reload in progress. */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    await this.#reloading;
    await this.#watcher?.close();
    this.#port?.close();
  }

  #changed(file: string): void {
    this.#pending.add(moduleFile(file));
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      const files = [...this.#pending];
      this.#pending.clear();
      this.#reloading = this.#reloading.then(() => this.#reload(files));
    }, DEBOUNCE_MS);
  }

  async #reload(changed: string[]): Promise<void> {
    const fixed = this.#configModules();
    for (const file of changed.filter((f) => fixed.has(f))) {
      this.#log.warn(`${this.#rel(file)} changed: the configuration is read only at start-up, restart the consumer to use it`);
    }
    const reloadable = new Set(changed.filter((f) => !fixed.has(f)));
    const graph = this.#graph();
    const generation = ++this.#generation;
    const targets = [...graph.keys()].filter((file) => this.#registry.commandsOf(file).length > 0 && reaches(graph, file, reloadable, fixed));
    if (targets.length === 0) return;
    // every module between a command module and a changed file resolves afresh; the configuration's modules never do
    for (const file of graph.keys()) {
      if (reaches(graph, file, reloadable, fixed)) this.#versions.set(pathToFileURL(file).href, generation);
    }
    await this.#sendVersions(generation);
    for (const file of targets) await this.#reimport(file, generation);
    this.#watchGraph();
    await this.#onReload?.();
  }

  /**
   * The configuration module and the app modules it imports other than
   * command modules (and theirs): what made the queue and the invoker.
   * Re-importing them would make a second queue, so they need a restart.
   */
  #configModules(): Set<string> {
    const fixed = new Set<string>();
    const visit = (file: string): void => {
      if (fixed.has(file) || this.#registry.commandsOf(file).length > 0) return;
      fixed.add(file);
      localImports(file).filter((dep) => this.#isApp(dep)).forEach(visit);
    };
    visit(this.#configFile);
    return fixed;
  }

  async #reimport(file: string, generation: number): Promise<void> {
    const url = `${pathToFileURL(file).href}?v=${generation}`;
    const before = new Map(this.#registry.commandsOf(file).map((command) => [command.name, command]));
    try {
      await import(url);
    } catch (error) {
      this.#log.error(`reload of ${this.#rel(file)} failed, the old code keeps running: ${(error as Error).stack ?? String(error)}`);
      return;
    }
    const changes: string[] = [];
    for (const command of this.#registry.commandsOf(file)) {
      if (command.moduleUrl !== url) continue;
      changes.push(before.has(command.name) ? `~${command.name}` : `+${command.name}`);
    }
    for (const [name, command] of before) {
      if (this.#registry.get(name) === command) {
        this.#registry.unregister(name);
        changes.push(`-${name}`);
      }
    }
    this.#log.info(`reloaded ${this.#rel(file)}: ${changes.join(' ') || 'no commands'}`);
    if (this.#events !== undefined && this.#events.listenerCount('reloaded') > 0) this.#events.emit('reloaded', { file, changes });
  }

  #sendVersions(id: number): Promise<void> {
    return new Promise((done) => {
      const port = this.#port!;
      const onAck = (ack: number): void => {
        if (ack !== id) return;
        port.off('message', onAck);
        done();
      };
      port.on('message', onAck);
      port.postMessage({ id, versions: [...this.#versions] });
    });
  }

  /** Import graph of the app: each command module and the app files it imports, recursively. */
  #graph(): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    const visit = (file: string): void => {
      if (graph.has(file)) return;
      const imports = localImports(file).filter((dep) => this.#isApp(dep));
      graph.set(file, imports);
      imports.forEach(visit);
    };
    for (const command of this.#registry.commands()) {
      if (command.moduleUrl === undefined) continue;
      const file = moduleFile(command.moduleUrl);
      if (this.#isApp(file)) visit(file);
    }
    return graph;
  }

  #watchGraph(): void {
    const files = [...this.#graph().keys(), ...this.#configModules()].filter((file) => !this.#watched.has(file));
    for (const file of files) this.#watched.add(file);
    if (files.length > 0) this.#watcher?.add(files);
  }

  #isApp(file: string): boolean {
    const rel = relative(this.#root, file);
    return !rel.startsWith('..') && !rel.split(/[\\/]/).includes('node_modules');
  }

  #rel(file: string): string {
    return relative(this.#root, file);
  }
}

/** Whether `file` is one of `changed` or imports one of them, not through the `fixed` modules. */
function reaches(graph: Map<string, string[]>, file: string, changed: Set<string>, fixed: Set<string>, seen = new Set<string>()): boolean {
  if (fixed.has(file) || seen.has(file)) return false;
  if (changed.has(file)) return true;
  seen.add(file);
  return (graph.get(file) ?? []).some((dep) => reaches(graph, dep, changed, fixed, seen));
}

/** Relative imports of a module, read from its source: `import ... from '../bin/x.js'`, `export ... from`, `import('../bin/x.js')`. */
function localImports(file: string): string[] {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\1/g;
  const found = new Set<string>();
  for (const match of source.matchAll(pattern)) {
    const target = resolve(dirname(file), match[2]!);
    if (existsSync(target)) found.add(moduleFile(target));
  }
  return [...found];
}
