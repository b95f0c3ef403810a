/**
 * Locks across processes, as users meet them: a lock taken by one process
 * blocks every other process on the same backend, and a holder killed
 * without a word (SIGKILL) frees its lock once its lease runs out. Run on
 * files (`lock.processes.test.ts`) and Redis (`lock.processes.redis.test.ts`).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Invoker, TaskLockedException } from 'huey';
import type { BaseQueue } from 'huey/backends/base';
import { eventually } from './helpers.js';
import { startFixture, type Fixture } from './backends/redis-helpers.js';

/** How to reach one backend from the test and from the holder processes. */
export interface LockBackend {
  name: 'file' | 'redis';
  /** The connection options, as JSON for the holder processes. */
  connection: Record<string, unknown>;
  /** A queue client in this process. */
  queue(name: string): BaseQueue;
  cleanup(): Promise<void>;
}

export function lockProcesses(open: () => Promise<LockBackend>, skip?: string): void {
  describe('locks across processes', { skip: skip ?? false }, () => {
    const running: Fixture[] = [];
    const queues: BaseQueue[] = [];
    let backend: LockBackend | undefined;
    const holder = (queueName: string, lock: string, lease: number): Fixture => {
      const fixture = startFixture('lock-holder', [backend!.name, JSON.stringify(backend!.connection), queueName, lock, String(lease)]);
      running.push(fixture);
      return fixture;
    };
    const invoker = async (queueName: string): Promise<Invoker> => {
      backend ??= await open();
      const queue = backend.queue(queueName);
      queues.push(queue);
      return new Invoker(queue);
    };

    after(async () => {
      for (const fixture of running) if (fixture.child.exitCode === null && fixture.child.signalCode === null) fixture.child.kill('SIGKILL');
      await Promise.all(running.map((fixture) => fixture.exited));
      for (const queue of queues) await queue.close?.();
      await backend?.cleanup();
    });

    test('a lock held by one process blocks lock.run() here and in another process', async () => {
      const here = await invoker('locks');
      const first = holder('locks', 'reports', 30);
      await eventually(() => first.lines.includes('holding'), 'the first process to hold the lock', 30_000);
      assert.equal(await here.isLocked('reports'), true);
      let ran = false;
      await assert.rejects(here.lockTask('reports').run(() => (ran = true)), TaskLockedException);
      assert.equal(ran, false);
      const second = holder('locks', 'reports', 30);
      assert.equal(await second.exited, 0);
      assert.deepEqual(second.lines, ['locked']);
      first.child.kill('SIGTERM');
      await first.exited;
      assert.equal(await here.flushLocks(), 1, 'a holder stopped without releasing keeps the lock until flushLocks() or its lease');
      assert.equal(await here.lockTask('reports').run(() => 'mine'), 'mine');
    });

    test('a holder killed with SIGKILL frees its lock once its lease runs out, for a process that asks', async () => {
      const here = await invoker('lapse');
      const killed = holder('lapse', 'nightly', 1);
      await eventually(() => killed.lines.includes('holding'), 'the holder to take the lock', 30_000);
      assert.equal(await here.isLocked('nightly'), true);
      killed.child.kill('SIGKILL');
      await killed.exited;
      await eventually(async () => !(await here.isLocked('nightly')), 'the lock to be free after the lease', 30_000);
      const next = holder('lapse', 'nightly', 1);
      await eventually(() => next.lines.includes('holding'), 'another process to take the lock', 30_000);
    });
  });
}
