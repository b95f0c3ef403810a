/**
 * Shared test helpers: the Redis probe, scratch directories and packages,
 * child processes and waiting.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BaseDataStore, CommandRegistry, EmptyData, Invoker, MemoryDataStore, MemoryQueue, type InvokerOptions } from 'huey';

/** The Redis every Redis test talks to. */
export const REDIS = { host: '127.0.0.1', port: 6379 } as const;

let probe: Promise<string | undefined> | undefined;

/**
 * Why Redis tests are skipped, or `undefined` when Redis answers.
 * With `HUEY_REQUIRE_REDIS=1` a missing Redis is an error instead.
 */
export function redisSkipReason(): Promise<string | undefined> {
  probe ??= pingRedis().then((ok) => {
    if (ok) return undefined;
    if (process.env.HUEY_REQUIRE_REDIS === '1') throw new Error(`Redis is required (HUEY_REQUIRE_REDIS=1) but does not answer at ${REDIS.host}:${REDIS.port}`);
    return `no Redis at ${REDIS.host}:${REDIS.port}`;
  });
  return probe;
}

function pingRedis(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(REDIS);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** A fresh scratch directory, removed by the returned function. */
export async function scratchDir(prefix = 'huey-test-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** The root of this repository (the `huey` package), whether run from `test/` or `dist/test/`. */
export const REPO_ROOT = findRepoRoot();

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

/** A scratch package on disk: a directory with its own `package.json`. */
export interface ScratchPackage {
  /** The package root, symlinks resolved. */
  path: string;
  /** The `file:` URL of a file in the package, e.g. `url('apps/billing/tasks.js')` or `url('tasks.js?v=2')`. */
  url(file: string): string;
  /** Removes the package. */
  remove(): Promise<void>;
}

/**
 * Creates a scratch ESM package in a temp directory: a `package.json`
 * (`"type": "module"`), `node_modules/huey` linked to this repository, and
 * the given files (folders created as needed). Its modules import huey by
 * name, as a user's would.
 */
export async function scratchPackage(files: Record<string, string>): Promise<ScratchPackage> {
  const path = await realpath(await mkdtemp(join(tmpdir(), 'huey-pkg-')));
  await writeFile(join(path, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  await mkdir(join(path, 'node_modules'));
  await symlink(REPO_ROOT, join(path, 'node_modules', 'huey'), 'dir');
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(path, file)), { recursive: true });
    await writeFile(join(path, file), text);
  }
  return {
    path,
    url: (file) => {
      const query = file.search(/[?#]/); // a query string or hash stays one, as in a re-import
      return query < 0 ? pathToFileURL(join(path, file)).href : pathToFileURL(join(path, file.slice(0, query))).href + file.slice(query);
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** What a child process printed, and how it ended. */
export interface NodeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node ...args` in a child process (cwd and env as given) and collects its output. */
export function runNode(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: options.cwd, env: options.env ?? process.env, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') return reject(error);
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

/** An invoker on a fresh memory queue and result store, with a registry of its own (no state shared between tests). */
export function memoryInvoker(options: InvokerOptions = {}): { invoker: Invoker; queue: MemoryQueue; store: MemoryDataStore } {
  const queue = new MemoryQueue('test');
  const store = new MemoryDataStore('results');
  const invoker = new Invoker(queue, { registry: new CommandRegistry(), resultStore: store, ...options });
  return { invoker, queue, store };
}

/** A port nobody listens on now: the one the system gives a listener on port 0. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A result store of the plainest kind: a Map, with none of the optional
 * verbs (no `wait`, no `putMany`), so what falls back to the base class is tested.
 */
export class MapStore extends BaseDataStore {
  readonly values = new Map<string, string>();
  async put(key: string, value: string): Promise<void> {
    this.values.set(key, value);
  }
  async get(key: string): Promise<string | typeof EmptyData> {
    const value = this.values.get(key);
    this.values.delete(key);
    return value ?? EmptyData;
  }
  async peek(key: string): Promise<string | typeof EmptyData> {
    return this.values.get(key) ?? EmptyData;
  }
  async putIfEmpty(key: string, value: string): Promise<boolean> {
    if (this.values.has(key)) return false;
    this.values.set(key, value);
    return true;
  }
  async keys(prefix: string): Promise<string[]> {
    return [...this.values.keys()].filter((key) => key.startsWith(prefix));
  }
  async flush(): Promise<void> {
    this.values.clear();
  }
}

/**
 * A backend the process tests run a real consumer on: the head of a
 * `config.js` that exports `queue` and `store`, and what the processes need.
 */
export interface ProcessBackend {
  name: string;
  /** `config.js` up to the backends: it must export `queue` and `store`. */
  backends: string;
  /** Environment of this process and the consumers' (e.g. the Redis prefix). */
  env: Record<string, string>;
  skip?: string | undefined;
  cleanup?: () => Promise<void>;
}
