/**
 * Type-level tests: tsc checks this file when the suite is built, so a
 * wrong type here fails the build. The `@ts-expect-error` lines must stay
 * errors; the runtime part only makes sure the calls behave as typed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsyncData, crontab, periodicCommand, queueCommand, type QueuedFunction } from 'huey';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { memoryInvoker } from './helpers.js';

/** `true` when X and Y are the same type (not merely assignable). */
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
/** Compiles only when its argument is `true`. */
const assertType = <T extends true>(): T | undefined => undefined;

test('a decorated (a: number, b: number) => number gives a function whose handle resolves to number', async () => {
  const { invoker } = memoryInvoker({ alwaysEager: true });
  const add = queueCommand(invoker)(function add(a: number, b: number): number {
    return a + b;
  });
  assertType<Equal<typeof add, QueuedFunction<[a: number, b: number], number>>>();
  assertType<Equal<Parameters<typeof add>, [a: number, b: number]>>();

  const handle = await add(1, 2);
  assertType<Equal<typeof handle, AsyncData<number>>>();
  const value = await handle.get({ blocking: true, timeout: 1 });
  assertType<Equal<typeof value, number>>();
  assert.equal(value, 3);
  const ready = await handle.get();
  assertType<Equal<typeof ready, number | undefined>>();

  const later = await add.schedule({ args: [3, 4], delay: 10 });
  assertType<Equal<typeof later, AsyncData<number>>>();
  assert.equal(await later.get(), 7);

  assertType<Equal<Parameters<typeof add.fn>, [a: number, b: number]>>();
  assertType<Equal<typeof add.commandName, string>>();
});

test('an async function gives a handle on what its promise resolves to', async () => {
  const { invoker } = memoryInvoker({ alwaysEager: true });
  const fetchBeans = queueCommand(invoker)(async function fetchBeans(count: number): Promise<string[]> {
    return Array.from({ length: count }, () => 'bean');
  });
  const handle = await fetchBeans(2);
  assertType<Equal<typeof handle, AsyncData<string[]>>>();
  const beans = await handle.get({ blocking: true });
  assertType<Equal<typeof beans, string[]>>();
  assert.deepEqual(beans, ['bean', 'bean']);
});

test('a strict producer reads results through a real queue with no non-null assertions', async () => {
  const { invoker, queue } = memoryInvoker();
  const square = queueCommand(invoker)(async function square(n: number): Promise<number> {
    return n * n;
  });
  const Configuration = class extends BaseConfiguration {};
  Object.assign(Configuration, { QUEUE: queue });
  const consumer = new Consumer(invoker, Configuration, { logSink: () => {} });

  const handle = await square(7);
  await consumer.step();
  const squared: number = (await handle.get({ blocking: true, timeout: 5 })) + 1;
  assert.equal(squared, 50);

  const group = await invoker.enqueue(square.s(2).then(square));
  await consumer.step();
  await consumer.step();
  const results = await group.get({ blocking: true, timeout: 5 });
  assertType<Equal<typeof results, [...unknown[], number]>>();
  const last: number = results[results.length - 1] as number;
  assert.deepEqual(results, [4, 16]);
  assert.equal(last, 16);
});

test('without a result store a call still gives a handle, whose get() says why it cannot answer', async () => {
  const { invoker, queue } = memoryInvoker({ resultStore: undefined });
  const square = queueCommand(invoker)(function square(n: number): number {
    return n * n;
  });
  const handle = await square(3);
  assertType<Equal<typeof handle, AsyncData<number>>>();
  await assert.rejects(handle.get({ blocking: true }), {
    name: 'ConfigurationError',
    message: `Task ${handle.taskId} has no result store to answer through: give the Invoker a resultStore (periodic commands store no results)`,
  });
  assert.equal(await queue.length(), 1, 'the call is still queued');
});

test('wrong argument types are compile errors (checked by tsc, never run)', () => {
  const { invoker } = memoryInvoker();
  const add = queueCommand(invoker)(function add(a: number, b: number): number {
    return a + b;
  });
  const neverCalled = (): void => {
    // @ts-expect-error a string is not a number
    void add('1', 2);
    // @ts-expect-error too few arguments
    void add(1);
    // @ts-expect-error too many arguments
    void add(1, 2, 3);
    // @ts-expect-error schedule's args are checked too
    void add.schedule({ args: ['1', 2] });
    // @ts-expect-error eta is a Date, not a number
    void add.schedule({ args: [1, 2], eta: 5 });
    // @ts-expect-error unknown option
    queueCommand(invoker, { retry: 1 });
    // @ts-expect-error a periodic command takes no arguments
    periodicCommand(invoker, crontab())(function withArgs(n: number) {
      return n;
    });
    // @ts-expect-error crontab fields are named
    crontab({ days: '1' });
  };
  assert.equal(typeof neverCalled, 'function');
});
