/**
 * AsyncData.get(): not ready, blocking (woken by a store that pushes, or
 * polling one that cannot), timeouts, read-once results cached on the
 * handle, remote failures, and store errors wrapped.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AsyncData,
  DataStoreGetException,
  DataStoreTimeout,
  EmptyData,
  MemoryDataStore,
  QueueException,
  QueueCommand,
  queueCommand,
  TaskException,
} from 'huey';
import { encodeOutcome } from '../src/core/message.js';
import { MapStore, memoryInvoker, sleep } from './helpers.js';

/** A result store that cannot push (no `wait`), so a blocking get has to poll; it counts its reads. */
class PollingStore extends MapStore {
  reads = 0;
  override async get(key: string): Promise<string | typeof EmptyData> {
    this.reads++;
    return super.get(key);
  }
}

const stored = (value: unknown): string => encodeOutcome({ ok: true, value });

/** Lets every pending promise callback run (setImmediate is not among the mocked timers). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A handle on a call of `add` that has been enqueued but not run, and a way to run it. */
async function pendingCall() {
  const { invoker, store } = memoryInvoker();
  const add = queueCommand(invoker)(function add(a: number, b: number) {
    return a + b;
  });
  const res = (await add(1, 2))!;
  const run = async (): Promise<void> => {
    await invoker.execute((await invoker.dequeue())!);
  };
  return { invoker, store, res, run };
}

describe('AsyncData.get() without blocking', () => {
  test('resolves undefined while the result is not ready, without waiting', async () => {
    const { res } = await pendingCall();
    const started = Date.now();
    assert.equal(await res.get(), undefined);
    assert.equal(await res.get({ blocking: false, timeout: 10 }), undefined);
    assert.ok(Date.now() - started < 1000, "it waited for the timeout");
  });

  test('resolves the result once the call has run', async () => {
    const { res, run } = await pendingCall();
    await run();
    assert.equal(await res.get(), 3);
  });

  test('taskId is the id of the message in the queue', async () => {
    const { invoker, res } = await pendingCall();
    assert.equal((await invoker.dequeue())?.taskId, res.taskId);
  });
});

describe('AsyncData.get() reads the result once and keeps it', () => {
  test('the result is deleted from the store on first read and cached on the handle', async () => {
    const { store, res, run } = await pendingCall();
    await run();
    assert.notEqual(await store.peek(res.taskId), EmptyData);
    assert.equal(await res.get(), 3);
    assert.equal(await store.peek(res.taskId), EmptyData);
    assert.equal(await res.get(), 3);
    assert.equal(await res.get({ blocking: true, timeout: 0 }), 3);
  });

  test('another handle on the same task finds nothing once the first has read it', async () => {
    const { store, res, run } = await pendingCall();
    await run();
    assert.equal(await res.get(), 3);
    assert.equal(await new AsyncData(store, res.taskId).get(), undefined);
  });

  test('a cached result needs the store no more', async () => {
    const store = new PollingStore('s');
    await store.put('t', stored('kept'));
    const res = new AsyncData<string>(store, 't');
    assert.equal(await res.get(), 'kept');
    const reads = store.reads;
    assert.equal(await res.get(), 'kept');
    assert.equal(store.reads, reads);
  });
});

describe('AsyncData.get({ blocking: true })', () => {
  test('is woken at once by the memory store when the result is put, without polling', async () => {
    const { res, run } = await pendingCall();
    // with these polling settings a poll would come 100 ms, then 10 s, after the start: only a push can be this quick
    const getting = res.get({ blocking: true, timeout: 30, backoff: 100, maxDelay: 10 });
    await sleep(150);
    const ranAt = Date.now();
    await run();
    assert.equal(await getting, 3);
    assert.ok(Date.now() - ranAt < 1000, `woken ${Date.now() - ranAt} ms after the put`);
  });

  test('two blocking gets on one handle both resolve when the result arrives', async () => {
    const { res, run } = await pendingCall();
    const both = Promise.all([res.get({ blocking: true, timeout: 5 }), res.get({ blocking: true, timeout: 5 })]);
    await sleep(20);
    await run();
    assert.deepEqual(await both, [3, 3]);
  });

  test('rejects with DataStoreTimeout when the timeout passes first', async () => {
    const { res } = await pendingCall();
    const started = Date.now();
    await assert.rejects(res.get({ blocking: true, timeout: 0.05 }), (error: unknown) => {
      assert.ok(error instanceof DataStoreTimeout);
      assert.ok(error instanceof QueueException);
      assert.match(error.message, new RegExp(res.taskId));
      return true;
    });
    assert.ok(Date.now() - started >= 40, 'gave up early');
  });

  test('a timeout of 0 reads once and gives up at once', async () => {
    const { res } = await pendingCall();
    await assert.rejects(res.get({ blocking: true, timeout: 0 }), DataStoreTimeout);
  });

  test('a store without wait() is polled until the result arrives, every maxDelay at most from the first poll', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const store = new PollingStore('polled');
    const res = new AsyncData<string>(store, 'task-1');
    const getting = res.get({ blocking: true, timeout: 60, maxDelay: 0.01 });
    await settle();
    assert.equal(store.reads, 1);
    for (const reads of [2, 3]) {
      t.mock.timers.tick(10);
      await settle();
      assert.equal(store.reads, reads);
    }
    await store.put('task-1', stored('late'));
    t.mock.timers.tick(10);
    assert.equal(await getting, 'late');
    assert.equal(store.reads, 4);
  });

  test('polling delays start at 0.1 s, grow by backoff and stop at maxDelay', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const store = new PollingStore('polled');
    const res = new AsyncData<string>(store, 'task-1');
    const getting = res.get({ blocking: true, timeout: 60, backoff: 2, maxDelay: 0.25 });
    await settle();
    // expected delays: 100 ms, 200 ms, then 250 ms (400 capped) each time
    for (const [wait, reads] of [[99, 1], [1, 2], [199, 2], [1, 3], [249, 3], [1, 4], [249, 4], [1, 5]] as const) {
      t.mock.timers.tick(wait);
      await settle();
      assert.equal(store.reads, reads, `after ${Date.now()} ms`);
    }
    await store.put('task-1', stored('done'));
    t.mock.timers.tick(250);
    assert.equal(await getting, 'done');
  });

  test('polling rejects with DataStoreTimeout when the timeout passes first, without sleeping past it', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const store = new PollingStore('polled');
    const res = new AsyncData(store, 'never');
    const getting = res.get({ blocking: true, timeout: 0.15, maxDelay: 5 });
    const outcome = getting.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await settle();
    t.mock.timers.tick(100); // the first poll
    await settle();
    t.mock.timers.tick(50); // the last sleep is cut to the deadline
    assert.ok((await outcome) instanceof DataStoreTimeout);
    assert.equal(store.reads, 3);
    assert.equal(Date.now(), 150);
  });
});

describe('AsyncData.get() errors', () => {
  test('a call that failed for good rejects with TaskException carrying the remote message', async () => {
    const { invoker, res } = await pendingCall();
    const command = (await invoker.dequeue()) as QueueCommand;
    await invoker.storeError(command, new Error('the beans were cold'));
    await assert.rejects(res.get({ blocking: true, timeout: 1 }), (error: unknown) => {
      assert.ok(error instanceof TaskException);
      assert.equal(error.message, 'the beans were cold');
      assert.equal(error.remoteName, 'Error');
      return true;
    });
  });

  test('a failure that is not an Error is stored with its text', async () => {
    const { invoker, res } = await pendingCall();
    await invoker.storeError((await invoker.dequeue())!, 'just a string');
    await assert.rejects(res.get(), (error: unknown) => error instanceof TaskException && error.message === 'just a string');
  });

  test('a store that fails to read rejects with DataStoreGetException keeping the cause', async () => {
    const failure = new Error('connection reset');
    const store = new (class extends MemoryDataStore {
      override async get(): Promise<string | typeof EmptyData> {
        throw failure;
      }
    })('s');
    await assert.rejects(new AsyncData(store, 't').get(), (error: unknown) => error instanceof DataStoreGetException && error.cause === failure);
  });

  test('a store whose wait() fails rejects with DataStoreGetException keeping the cause', async () => {
    const failure = new Error('subscription lost');
    const store = new (class extends MemoryDataStore {
      override async wait(): Promise<boolean> {
        throw failure;
      }
    })('s');
    await assert.rejects(new AsyncData(store, 't').get({ blocking: true, timeout: 1 }), (error: unknown) => error instanceof DataStoreGetException && error.cause === failure);
  });

  test('an unreadable stored result rejects with DataStoreGetException keeping the raw text and the cause', async () => {
    const store = new MemoryDataStore('s');
    await store.put('t', 'not a result');
    await assert.rejects(new AsyncData(store, 't').get(), (error: unknown) => {
      assert.ok(error instanceof DataStoreGetException);
      assert.equal(error.raw, 'not a result');
      assert.ok(error.cause instanceof QueueException);
      return true;
    });
  });
});
