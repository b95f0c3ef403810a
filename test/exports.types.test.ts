/**
 * Type-level tests: tsc checks this file when the suite is built, so a
 * wrong type here fails the build. The `@ts-expect-error` lines must stay
 * errors; the runtime part only makes sure the calls behave as typed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsyncData, crontab, periodicCommand, queueCommand, type QueuedFunction } from 'huey';
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
  assertType<Equal<typeof handle, AsyncData<number> | undefined>>();
  const value = await handle?.get({ blocking: true, timeout: 1 });
  assertType<Equal<typeof value, number | undefined>>();
  assert.equal(value, 3);

  const later = await add.schedule({ args: [3, 4], delay: 10 });
  assertType<Equal<typeof later, AsyncData<number> | undefined>>();
  assert.equal(await later?.get(), 7);

  assertType<Equal<Parameters<typeof add.fn>, [a: number, b: number]>>();
  assertType<Equal<typeof add.commandName, string>>();
});

test('an async function gives a handle on what its promise resolves to', async () => {
  const { invoker } = memoryInvoker({ alwaysEager: true });
  const fetchBeans = queueCommand(invoker)(async function fetchBeans(count: number): Promise<string[]> {
    return Array.from({ length: count }, () => 'bean');
  });
  const handle = await fetchBeans(2);
  assertType<Equal<typeof handle, AsyncData<string[]> | undefined>>();
  assert.deepEqual(await handle?.get(), ['bean', 'bean']);
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
