/**
 * The inspect CLI on the memory backend (file: inspect.file.test.ts, Redis:
 * inspect.redis.test.ts), then what does not depend on a backend: usage,
 * unreachable backends, backends that cannot tell.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { main } from '../src/cli/inspect.js';
import { scratchPackage, type ScratchPackage } from './helpers.js';
import { inspectSuite } from './inspect-suite.js';

inspectSuite({
  name: 'memory',
  shared: false,
  config: `
import { MemoryDataStore, MemoryQueue } from 'huey/backends/memory';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
export const queue = new MemoryQueue('inspect');
export const store = new MemoryDataStore('inspect-results');
export const invoker = new Invoker(queue, { resultStore: store, trace: true });
export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static RESULT_STORE = store;
  static TRACE = true;
}
`,
});

describe('huey inspect CLI, whatever the backend', () => {
  let pkg: ScratchPackage;
  const run = async (...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
    return { code, stdout, stderr };
  };
  before(async () => {
    pkg = await scratchPackage({
      // a queue whose server does not answer: every call rejects as a client's would
      'down.js': `
import { BaseQueue } from 'huey/backends/base';
import { BaseConfiguration } from 'huey/bin/config';
class DownQueue extends BaseQueue {
  blocking = false;
  fail() { return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')); }
  write() { return this.fail(); }
  read() { return this.fail(); }
  flush() { return this.fail(); }
  length() { return this.fail(); }
  waiting() { return this.fail(); }
  scheduled() { return this.fail(); }
  claims() { return this.fail(); }
  consumers() { return this.fail(); }
  traceAppend() { return this.fail(); }
  traceRead() { return this.fail(); }
}
export class Configuration extends BaseConfiguration { static QUEUE = new DownQueue('down'); }
`,
      // huey 0.2's four members only: nothing to inspect beyond the length
      'plain.js': `
import { BaseQueue } from 'huey/backends/base';
import { BaseConfiguration } from 'huey/bin/config';
class PlainQueue extends BaseQueue {
  blocking = false;
  async write() {}
  async read() { return null; }
  async flush() {}
  async length() { return 3; }
}
export class Configuration extends BaseConfiguration { static QUEUE = new PlainQueue('plain'); }
`,
      'noqueue.js': `import { BaseConfiguration } from 'huey/bin/config';\nexport class Configuration extends BaseConfiguration {}\n`,
    });
  });
  after(() => pkg.remove());

  test('an unreachable backend is one clear line on stderr and exit code 1', async () => {
    for (const argv of [['info'], ['peek'], ['trace', 'some-id'], ['flush', '--yes']]) {
      const [sub, ...rest] = argv;
      const result = await run(sub!, 'down.Configuration', '-p', pkg.path, ...rest);
      assert.equal(result.code, 1, argv.join(' '));
      assert.match(result.stderr, /^huey: (cannot reach the backend of queue "down": connect ECONNREFUSED 127\.0\.0\.1:1|queue "down" \(DownQueue\) cannot show its messages without taking them: it does not implement Inspection \(backends\/inspection\.ts\))\n$/, argv.join(' '));
    }
  });

  test('a backend with only the four required members says what it cannot tell', async () => {
    const info = await run('info', 'plain.Configuration', '-p', pkg.path);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /waiting: {6}3\n {2}scheduled: {4}n\/a \(the backend cannot tell\)\n/);
    const trace = await run('trace', 'plain.Configuration', 'x', '-p', pkg.path);
    assert.equal(trace.stderr, 'huey: no task "x" in queue "plain": not waiting, scheduled, taken or dead-lettered, no result waiting (this backend keeps no trace)\n');
    assert.equal((await run('dead-letters', 'plain.Configuration', '-p', pkg.path)).stderr, 'huey: queue "plain" (PlainQueue) keeps no dead letters\n');
  });

  test('a configuration that cannot be loaded, or has no QUEUE, is the consumer\'s start-up error and exit code 1', async () => {
    const missing = await run('info', 'nowhere.Configuration', '-p', pkg.path);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^huey: Unable to import "nowhere"\n/);
    const noQueue = await run('info', 'noqueue.Configuration', '-p', pkg.path);
    assert.equal(noQueue.stderr, 'huey: Missing module-level "QUEUE" setting: set static QUEUE on noqueue.Configuration\n');
  });

  test('without arguments it prints the usage and exits 1; an unknown subcommand exits 1', async () => {
    const none = await run();
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^Usage: huey \[options\] \[command\]/);
    for (const sub of ['info', 'peek', 'trace', 'dead-letters', 'enqueue', 'flush']) assert.match(none.stderr, new RegExp(`\\n {2}${sub} `));
    assert.equal((await run('nonsense')).code, 1);
    assert.equal((await run('dead-letters', 'plain.Configuration', 'bury', '-p', pkg.path)).code, 1);
  });
});
