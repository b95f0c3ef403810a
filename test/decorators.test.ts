/**
 * The decorators: what a queueCommand-decorated function does when called
 * or scheduled, and what periodicCommand registers. Argument validation is
 * in validation.test.ts, naming in registry.naming.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AsyncData, crontab, periodicCommand, queueCommand } from 'huey';
import * as decorators from 'huey/decorators';
import { memoryInvoker } from './helpers.js';

interface WireMessage {
  id: string;
  command: string;
  args: unknown[];
  eta: string | null;
  retries: number;
  retryDelay: number;
  enqueuedAt: string;
}

const nextMessage = async (queue: { read(): Promise<string | null> }): Promise<WireMessage> => JSON.parse((await queue.read())!) as WireMessage;

describe('queueCommand()', () => {
  test('calling the decorated function writes a message and resolves with a handle, without running the function', async () => {
    const { invoker, queue } = memoryInvoker();
    let ran = 0;
    const countBeans = queueCommand(invoker)(function countBeans(num: number) {
      ran++;
      return `Counted ${num} beans`;
    });
    const before = Date.now();
    const res = await countBeans(100);
    assert.ok(res instanceof AsyncData);
    assert.equal(ran, 0);
    const message = await nextMessage(queue);
    assert.equal(message.command, countBeans.commandName);
    assert.deepEqual(message.args, [100]);
    assert.equal(message.eta, null);
    assert.equal(message.retries, 0);
    assert.equal(message.retryDelay, 0);
    assert.ok(Date.parse(message.enqueuedAt) >= before - 5 && Date.parse(message.enqueuedAt) <= Date.now() + 5);
  });

  test('each call gets a fresh id', async () => {
    const { invoker } = memoryInvoker();
    const noop = queueCommand(invoker)(function noop() {});
    const [a, b] = [await noop(), await noop()];
    assert.notEqual(a?.taskId, b?.taskId);
  });

  test('retries and retryDelay travel in the message', async () => {
    const { invoker, queue } = memoryInvoker();
    const flaky = queueCommand(invoker, { retries: 3, retryDelay: 2.5 })(function flaky() {});
    await flaky();
    const message = await nextMessage(queue);
    assert.equal(message.retries, 3);
    assert.equal(message.retryDelay, 2.5);
  });

  test('.fn is the undecorated function, to call here and now', () => {
    const { invoker } = memoryInvoker();
    function add(a: number, b: number): number {
      return a + b;
    }
    const queued = queueCommand(invoker)(add);
    assert.equal(queued.fn, add);
    assert.equal(queued.fn(1, 2), 3);
  });

  test('schedule({ eta }) writes the eta into the message', async () => {
    const { invoker, queue } = memoryInvoker();
    const remind = queueCommand(invoker)(function remind(text: string) {
      return text;
    });
    const eta = new Date('2030-01-01T09:30:00.250Z');
    const res = await remind.schedule({ args: ['stand up'], eta });
    const message = await nextMessage(queue);
    assert.equal(message.eta, '2030-01-01T09:30:00.250Z');
    assert.deepEqual(message.args, ['stand up']);
    assert.equal(message.id, res.taskId);
  });

  test('schedule({ delay }) sets the eta delay seconds from now', async () => {
    const { invoker, queue } = memoryInvoker();
    const remind = queueCommand(invoker)(function remind() {});
    const before = Date.now();
    await remind.schedule({ args: [], delay: 90 });
    const after = Date.now();
    const eta = Date.parse((await nextMessage(queue)).eta!);
    assert.ok(eta >= before + 90_000 && eta <= after + 90_000, `eta ${eta - before} ms from now`);
  });

  test('schedule() with neither eta nor delay enqueues for as soon as possible', async () => {
    const { invoker, queue } = memoryInvoker();
    const remind = queueCommand(invoker)(function remind() {});
    await remind.schedule({ args: [] });
    assert.equal((await nextMessage(queue)).eta, null);
  });
});

describe('periodicCommand()', () => {
  test('registers the function with its validator and returns it unchanged', () => {
    const { invoker } = memoryInvoker();
    const validator = crontab({ minute: '*/5' });
    function report(): string {
      return 'reported';
    }
    const decorated = periodicCommand(invoker, validator)(report);
    assert.equal(decorated, report);
    const [definition] = invoker.registry.commands();
    assert.equal(definition?.fn, report);
    assert.equal(definition?.validator, validator);
    assert.equal(definition?.retries, 0);
  });

  test('any function of a Date is a validator, not only crontab()', () => {
    const { invoker } = memoryInvoker();
    const weekdays = (date: Date): boolean => date.getUTCDay() >= 1 && date.getUTCDay() <= 5;
    periodicCommand(invoker, weekdays)(function weekdayReport() {});
    assert.equal(invoker.registry.commands()[0]?.validator?.(new Date('2011-01-03T00:00:00Z')), true);
  });
});

test('huey/decorators exports crontab next to the decorators, as in huey', () => {
  assert.equal(decorators.crontab, crontab);
});
