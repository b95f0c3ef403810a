/**
 * Shared test helpers: the Redis probe, scratch directories and waiting.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
