/**
 * Helpers of the Redis tests: a key prefix per test file (so runs in
 * parallel never see each other's keys), its clean-up, and spawning the
 * Redis fixtures as separate processes.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { Redis } from 'ioredis';
import { RedisBlockingQueue, RedisDataStore, type RedisDataStoreOptions, type RedisQueueOptions } from 'huey/backends/redis';
import { REDIS } from '../helpers.js';

/** A key prefix no other test run uses: `hueytest.<pid>.<random>.`. */
export function testPrefix(): string {
  return `hueytest.${process.pid}.${randomBytes(3).toString('hex')}.`;
}

/** Queues and stores on the shared Redis under a prefix of their own, and an admin client to look at the keys. */
export interface RedisBackends {
  prefix: string;
  /** A plain client, for looking at keys as `redis-cli` would. */
  admin: Redis;
  /** A name not used before in this suite. */
  fresh(what: string): string;
  /** Closes `backend` after the suite. */
  track<T extends { close(): Promise<void> }>(backend: T): T;
  blocking(name: string, options?: RedisQueueOptions): RedisBlockingQueue;
  store(name: string, options?: RedisDataStoreOptions): RedisDataStore;
}

/**
 * Opens Redis backends for one suite (call it inside `describe`): each
 * under the suite's own key prefix, closed after the suite, which then
 * deletes the prefix's keys.
 */
export function redisBackends(): RedisBackends {
  const prefix = testPrefix();
  const admin = new Redis({ ...REDIS, lazyConnect: true });
  const opened: { close(): Promise<void> }[] = [];
  let counter = 0;
  after(async () => {
    for (const backend of opened) await backend.close();
    await deletePrefix(prefix);
    admin.disconnect();
  });
  const track = <T extends { close(): Promise<void> }>(backend: T): T => {
    opened.push(backend);
    return backend;
  };
  return {
    prefix,
    admin,
    fresh: (what) => `${what}${++counter}`,
    track,
    blocking: (name, options = {}) => track(new RedisBlockingQueue(name, { ...REDIS, prefix, ...options })),
    store: (name, options = {}) => track(new RedisDataStore(name, { ...REDIS, prefix, ...options })),
  };
}

/** Deletes every key under `prefix` (never the rest of the shared Redis). */
export async function deletePrefix(prefix: string, connection: { host: string; port: number } = REDIS): Promise<void> {
  const admin = new Redis({ ...connection, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await admin.del(...keys);
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
}

/** Every key under `prefix`, sorted. */
export async function keysUnder(prefix: string, connection: { host: string; port: number } = REDIS): Promise<string[]> {
  const admin = new Redis({ ...connection, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    return (await admin.keys(`${prefix}*`)).sort();
  } finally {
    admin.disconnect();
  }
}

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A fixture process and the complete lines of its stdout so far. */
export interface Fixture {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
}

/** Starts `test/fixtures/<name>.js` (compiled) with `args`, collecting its stdout lines. */
export function startFixture(name: string, args: string[]): Fixture {
  const child = spawn(process.execPath, [join(fixtures, `${name}.js`), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => {
      if (code !== 0 && code !== null) process.stderr.write(`fixture ${name} exited ${code}: ${stderr}\n`);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  return { child, lines, exited };
}

/**
 * Runs a Node script to its end, like `runNode` of the shared helpers but
 * with a minute to finish: on a busy machine a script that starts, talks
 * to Redis and closes its connections can take longer than 20 s.
 */
export function runScript(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') return reject(error);
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}
