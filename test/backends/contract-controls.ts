/**
 * The backend contract's controls of calls: priority order, revocations and
 * locks. Run by `backendContract` for every backend, with the same clients
 * ("another process") as the rest of the suite.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContractQueue } from './contract-view.js';
import { encodeMessage } from '../../src/core/message.js';

/** A real message (the backend reads its priority from the envelope) with the id `id`. */
export const prioritized = (id: string, priority?: number): string =>
  encodeMessage({ id, command: 'commands.work', args: [{ priority: 99 }], eta: null, retries: 0, retryDelay: 0, enqueuedAt: new Date(0), ...(priority === undefined ? {} : { priority }) });

const idOf = (data: string | null): string | undefined => (data === null ? undefined : (JSON.parse(data) as { id: string }).id);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @param queue - Opens a client of the queue `name`, as another process would.
 * @param fresh - A name of its own for each test.
 */
export function controlsContract(queue: (name: string) => Promise<ContractQueue>, fresh: (what: string) => string): void {
  test('read() takes the highest priority first and equal priorities first in, first out; readMany() and waiting() agree', async (t) => {
    const name = fresh('priority');
    const q = await queue(name);
    if (!q.priorities) return t.skip('this queue reads first in, first out whatever the priority');
    const order: [string, number | undefined][] = [['a', undefined], ['b', 5], ['c', 0], ['d', -1], ['e', 5], ['f', 10], ['g', 0.5], ['h', -1]];
    for (const [id, priority] of order) await q.write(prioritized(id, priority));
    const expected = ['f', 'b', 'e', 'g', 'a', 'c', 'd', 'h'];
    assert.equal(await q.length(), expected.length);
    if (q.waiting) assert.deepEqual((await q.waiting(Infinity)).map(idOf), expected);
    const other = await queue(name);
    assert.equal(idOf(await other.read(0)), 'f');
    const rest = other.readMany ? await other.readMany(3, 0) : [await other.read(0), await other.read(0), await other.read(0)];
    assert.deepEqual(rest.map(idOf), ['b', 'e', 'g']);
    const tail: (string | undefined)[] = [];
    for (let data = await q.read(0); data !== null; data = await q.read(0)) tail.push(idOf(data));
    assert.deepEqual(tail, ['a', 'c', 'd', 'h']);
  });

  test('a message written with a higher priority is read before older ones, also after the reader has started on them', async (t) => {
    const name = fresh('priority-late');
    const q = await queue(name);
    if (!q.priorities) return t.skip('this queue reads first in, first out whatever the priority');
    for (const id of ['a', 'b', 'c']) await q.write(prioritized(id));
    assert.equal(idOf(await q.read(0)), 'a');
    await (await queue(name)).write(prioritized('urgent', 3));
    assert.equal(idOf(await q.read(0)), 'urgent');
    assert.equal(idOf(await q.read(0)), 'b');
  });

  test('a blocking read() waiting on an empty queue wakes for a message written with a priority', async (t) => {
    const q = await queue(fresh('priority-wake'));
    if (!q.blocking) return t.skip('this queue does not block');
    const reading = q.read(5000);
    await sleep(50);
    await (await queue(q.name)).write(prioritized('high', 7));
    assert.equal(idOf(await reading), 'high');
    assert.equal(await q.length(), 0);
    assert.equal(await q.read(0), null);
  });

  test('a message taken and given back by close() keeps its priority: it is read before lower ones again', async (t) => {
    const name = fresh('priority-back');
    const q = await queue(name);
    if (!q.recover || !q.priorities) return t.skip('no recovery, or no priorities');
    await q.write(prioritized('low'));
    await q.write(prioritized('high', 4));
    assert.equal(idOf(await q.read(0)), 'high');
    await q.close?.();
    await (await queue(name)).write(prioritized('later'));
    const other = await queue(name);
    assert.equal(idOf(await other.read(0)), 'high');
    assert.equal(idOf(await other.read(0)), 'low');
  });

  test('flush() removes waiting messages of every priority', async () => {
    const q = await queue(fresh('priority-flush'));
    for (const [id, priority] of [['a', 2], ['b', 0], ['c', -2]] as const) await q.write(prioritized(id, priority));
    await q.flush();
    assert.equal(await q.length(), 0);
    assert.equal(await q.read(0), null);
  });

  test('revoke() is seen by another client; revoked() finds the first key revoked; restore() ends it', async (t) => {
    const name = fresh('revoke');
    const [a, b] = [await queue(name), await queue(name)];
    if (!a.revoke) return t.skip('no revocations');
    const now = new Date();
    assert.equal(await b.revoked!(['task:1', 'command:commands.work'], now), null);
    await a.revoke('command:commands.work', { until: null, once: false });
    assert.equal(await b.revoked!(['task:1', 'command:commands.work'], now), 'command:commands.work');
    assert.equal(await b.revoked!(['task:2', 'command:commands.work'], now), 'command:commands.work', 'a revocation without once stays');
    assert.deepEqual(await b.revocations!(now), [{ key: 'command:commands.work', until: null, once: false }]);
    assert.equal(await b.restore!('command:commands.work'), true);
    assert.equal(await a.revoked!(['task:1', 'command:commands.work'], now), null);
    assert.equal(await a.restore!('command:commands.work'), false);
    assert.deepEqual(await a.revocations!(now), []);
  });

  test('a once revocation is found by exactly one of three clients asking at once', async (t) => {
    const name = fresh('revoke-once');
    const clients = [await queue(name), await queue(name), await queue(name)];
    if (!clients[0]!.revoke) return t.skip('no revocations');
    await clients[0]!.revoke('task:x', { until: null, once: true });
    const found = await Promise.all(clients.map((c) => c.revoked!(['task:x', 'command:c.x'], new Date())));
    assert.deepEqual(found.filter((key) => key !== null), ['task:x']);
    assert.deepEqual(await clients[1]!.revocations!(new Date()), []);
  });

  test('a revocation with until counts until that instant and not after', async (t) => {
    const q = await queue(fresh('revoke-until'));
    if (!q.revoke) return t.skip('no revocations');
    const until = new Date(Date.now() + 60_000);
    await q.revoke('task:u', { until, once: false });
    assert.equal(await q.revoked!(['task:u'], new Date()), 'task:u');
    assert.deepEqual(await q.revocations!(new Date()), [{ key: 'task:u', until, once: false }]);
    assert.equal(await q.revoked!(['task:u'], new Date(until.getTime() + 1)), null);
    assert.deepEqual(await q.revocations!(new Date(until.getTime() + 1)), []);
  });

  test('lock() goes to one holder; another client finds it held until unlock() by the holder\'s token', async (t) => {
    const name = fresh('lock');
    const [a, b] = [await queue(name), await queue(name)];
    if (!a.lock) return t.skip('no locks');
    const lock = fresh('reports');
    const granted = await Promise.all([a.lock(lock, 'ta', 30_000), b.lock!(lock, 'tb', 30_000)]);
    assert.equal(granted.filter(Boolean).length, 1);
    const [holder, token] = granted[0] ? [a, 'ta'] : [b, 'tb'];
    const other = holder === a ? b : a;
    assert.equal(await other.isLocked!(lock), true);
    assert.deepEqual(await other.locks!(), [lock]);
    assert.equal(await other.unlock!(lock, 'not-the-token'), false);
    assert.equal(await other.renewLock!(lock, 'not-the-token', 30_000), false);
    assert.equal(await holder.renewLock!(lock, token, 30_000), true);
    assert.equal(await holder.unlock!(lock, token), true);
    assert.equal(await other.isLocked!(lock), false);
    assert.equal(await other.lock!(lock, 'tc', 30_000), true);
    assert.equal(await holder.flushLocks!(), 1);
    assert.equal(await other.isLocked!(lock), false);
    assert.deepEqual(await other.locks!(), []);
  });

  test('a lock whose lease is not renewed is free again once the lease runs out; a renewed one is not', async (t) => {
    const name = fresh('lock-lease');
    const [a, b] = [await queue(name), await queue(name)];
    if (!a.lock) return t.skip('no locks');
    assert.equal(await a.lock('kept', 'ta', 1000), true);
    assert.equal(await a.lock('lapsed', 'ta', 1000), true);
    await sleep(600);
    assert.equal(await a.renewLock!('kept', 'ta', 1000), true);
    await sleep(600);
    assert.equal(await b.isLocked!('lapsed'), false);
    assert.equal(await b.lock!('lapsed', 'tb', 1000), true);
    assert.equal(await b.lock!('kept', 'tb', 1000), false);
    assert.equal(await a.renewLock!('lapsed', 'ta', 1000), false, 'the old holder lost it');
    await b.flushLocks!();
  });
}
