/**
 * The public API, imported by the package's own name: the exact runtime
 * exports of each module of DESIGN §2. The file backend, the Redis backend
 * and the consumer have test files of their own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REPO_ROOT, runNode } from './helpers.js';

const MODULES: Record<string, string[]> = {
  'huey/queue': ['AsyncData', 'CommandSchedule', 'Invoker', 'PeriodicQueueCommand', 'Pipeline', 'QueueCommand', 'ResultGroup', 'TaskLock'],
  'huey/decorators': ['crontab', 'periodicCommand', 'queueCommand'],
  'huey/registry': ['CommandRegistry', 'registry'],
  'huey/exceptions': [
    'ClaimLostError',
    'ConfigurationError',
    'DataStoreGetException',
    'DataStorePutException',
    'DataStoreTimeout',
    'QueueException',
    'QueueReadException',
    'QueueWriteException',
    'ShutdownError',
    'TaskException',
    'TaskLockedException',
    'TaskRevokedError',
    'TimeoutError',
    'WorkerExitError',
  ],
  'huey/utils': ['isMain'],
  'huey/backends/base': ['BaseDataStore', 'BaseQueue', 'EmptyData', 'messagePriority'],
  'huey/backends/memory': ['DummyDataStore', 'DummyQueue', 'MemoryDataStore', 'MemoryQueue'],
  'huey/bin/config': ['BaseConfiguration'],
  'huey/bin/consumer': ['Consumer', 'loadConfig'],
};

/** The events API, exported by `huey` only (it has no module path of its own in the exports map). */
const EVENTS = ['EVENT_NAMES', 'TypedEmitter'];

/** What `huey` may export besides the modules above: the modules written in parallel (file, Redis), and the events API. */
const ELSEWHERE = new Set(['FileQueue', 'FileDataStore', 'RedisQueue', 'RedisBlockingQueue', 'RedisDataStore', 'currentTask', ...EVENTS]);

for (const [specifier, names] of Object.entries(MODULES)) {
  test(`${specifier} exports exactly ${names.join(', ')}`, async () => {
    const module = (await import(specifier)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(module).sort(), [...names].sort());
    for (const name of names) assert.notEqual(module[name], undefined, name);
  });
}

test('huey re-exports every export of those modules, the very same objects, and nothing internal', async () => {
  const root = (await import('huey')) as Record<string, unknown>;
  const expected = new Set<string>();
  for (const specifier of Object.keys(MODULES)) {
    const module = (await import(specifier)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      expected.add(name);
      assert.equal(root[name], value, `huey.${name} is ${specifier}'s`);
    }
  }
  const extra = Object.keys(root).filter((name) => !expected.has(name) && !ELSEWHERE.has(name));
  assert.deepEqual(extra, [], 'exports of huey that no public module declares');
});

test(`huey exports the events API: ${EVENTS.join(', ')}`, async () => {
  const root = (await import('huey')) as Record<string, unknown>;
  for (const name of EVENTS) assert.notEqual(root[name], undefined, name);
});

test('internal modules are not reachable through the exports map', async () => {
  for (const specifier of ['huey/message', 'huey/paths', 'huey/validate', 'huey/crontab', 'huey/dist/src/message.js']) {
    await assert.rejects(import(specifier), (error: unknown) => (error as { code?: string }).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED', specifier);
  }
});

test('importing huey, huey/queue, huey/decorators and the memory backend does not load the Redis client', async () => {
  const hook = `export async function resolve(specifier, context, next) {
    if (specifier === 'ioredis' || specifier.startsWith('ioredis/')) throw new Error('the Redis client was loaded');
    return next(specifier, context);
  }`;
  const script = `
    import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
    for (const specifier of ['huey', 'huey/queue', 'huey/decorators', 'huey/registry', 'huey/backends/memory', 'huey/bin/config']) await import(specifier);
    console.log('loaded without ioredis');
  `;
  const run = await runNode(['--input-type=module', '-e', script], { cwd: REPO_ROOT });
  assert.equal(run.stdout.trim(), 'loaded without ioredis', run.stderr);
});
