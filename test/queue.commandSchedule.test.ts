/**
 * CommandSchedule: huey 0.2's in-memory schedule of calls with an eta,
 * saved to and loaded from the invoker's task store. Time is passed in,
 * never waited for.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CommandRegistry, CommandSchedule, EmptyData, Invoker, MemoryDataStore, MemoryQueue, QueueReadException } from 'huey';
import { encodeMessage } from '../src/core/message.js';

const T0 = Date.UTC(2011, 0, 1, 12, 0, 0);
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

/** An encoded call of `commands.countBeans` with the given id and eta (seconds after T0, or null). */
const call = (id: string, etaSeconds: number | null): string =>
  encodeMessage({ id, command: 'commands.countBeans', args: [id], eta: etaSeconds === null ? null : at(etaSeconds), retries: 0, retryDelay: 0, enqueuedAt: at(-60) });

const invokerWithTaskStore = (taskStore: MemoryDataStore | undefined = new MemoryDataStore('tasks')): Invoker =>
  new Invoker(new MemoryQueue('q'), { registry: new CommandRegistry(), ...(taskStore ? { taskStore } : {}) });

describe('CommandSchedule in memory', () => {
  test('an empty schedule has size 0, no next eta and nothing due', () => {
    const schedule = new CommandSchedule(invokerWithTaskStore());
    assert.equal(schedule.size, 0);
    assert.equal(schedule.nextEta(), null);
    assert.deepEqual(schedule.due(at(1e6)), []);
  });

  test('add() keeps calls by eta; nextEta() is the earliest', () => {
    const schedule = new CommandSchedule(invokerWithTaskStore());
    schedule.add(call('c', 30), at(30));
    schedule.add(call('a', 10), at(10));
    schedule.add(call('b', 20), at(20));
    assert.equal(schedule.size, 3);
    assert.deepEqual(schedule.nextEta(), at(10));
    assert.deepEqual(schedule.commands(), [call('a', 10), call('b', 20), call('c', 30)]);
  });

  test('calls with the same eta keep the order they were added in', () => {
    const schedule = new CommandSchedule(invokerWithTaskStore());
    for (const id of ['first', 'second', 'third']) schedule.add(call(id, 5), at(5));
    assert.deepEqual(schedule.due(at(5)), [call('first', 5), call('second', 5), call('third', 5)]);
  });

  test('due(now) takes the calls whose eta is at or before now, earliest first, each once', () => {
    const schedule = new CommandSchedule(invokerWithTaskStore());
    schedule.add(call('late', 60), at(60));
    schedule.add(call('now', 10), at(10));
    schedule.add(call('early', 5), at(5));
    assert.deepEqual(schedule.due(at(9.999)), [call('early', 5)]);
    assert.deepEqual(schedule.due(at(10)), [call('now', 10)]);
    assert.deepEqual(schedule.due(at(10)), []);
    assert.deepEqual(schedule.nextEta(), at(60));
    assert.deepEqual(schedule.due(at(3600)), [call('late', 60)]);
    assert.equal(schedule.size, 0);
  });

  test('due(now, limit) takes at most limit calls; the rest stay for the next call', () => {
    const schedule = new CommandSchedule(invokerWithTaskStore());
    for (const id of ['a', 'b', 'c']) schedule.add(call(id, 1), at(1));
    assert.deepEqual(schedule.due(at(2), 2), [call('a', 1), call('b', 1)]);
    assert.deepEqual(schedule.due(at(2), 2), [call('c', 1)]);
  });
});

describe('CommandSchedule save() and load()', () => {
  test('round-trips through a MemoryDataStore: same calls, same order, same next eta', async () => {
    const taskStore = new MemoryDataStore('tasks');
    const schedule = new CommandSchedule(invokerWithTaskStore(taskStore));
    schedule.add(call('b', 20), at(20));
    schedule.add(call('a', 10), at(10));
    await schedule.save();

    const restored = new CommandSchedule(invokerWithTaskStore(taskStore));
    assert.deepEqual(await restored.load(), []);
    assert.deepEqual(restored.commands(), [call('a', 10), call('b', 20)]);
    assert.deepEqual(restored.nextEta(), at(10));
    assert.deepEqual(restored.due(at(15)), [call('a', 10)]);
  });

  test('the saved schedule is one JSON list of messages under the key "schedule", readable with cat', async () => {
    const taskStore = new MemoryDataStore('tasks');
    const schedule = new CommandSchedule(invokerWithTaskStore(taskStore));
    schedule.add(call('a', 10), at(10));
    await schedule.save();
    const saved = await taskStore.peek('schedule');
    assert.notEqual(saved, EmptyData);
    assert.deepEqual(JSON.parse(saved as string), [call('a', 10)]);
  });

  test('save(running) keeps calls taken with due() but not finished, so a crash mid-call loses nothing', async () => {
    const taskStore = new MemoryDataStore('tasks');
    const schedule = new CommandSchedule(invokerWithTaskStore(taskStore));
    schedule.add(call('running', 1), at(1));
    schedule.add(call('waiting', 60), at(60));
    const running = schedule.due(at(2));
    await schedule.save(running);
    const restored = new CommandSchedule(invokerWithTaskStore(taskStore));
    await restored.load();
    assert.deepEqual(restored.commands(), [call('running', 1), call('waiting', 60)]);
  });

  test('load() leaves the saved schedule in the store, so a crash after loading loses nothing', async () => {
    const taskStore = new MemoryDataStore('tasks');
    const schedule = new CommandSchedule(invokerWithTaskStore(taskStore));
    schedule.add(call('a', 10), at(10));
    await schedule.save();
    await new CommandSchedule(invokerWithTaskStore(taskStore)).load();
    assert.notEqual(await taskStore.peek('schedule'), EmptyData);
  });

  test('load() replaces what was in memory; an empty store leaves it empty', async () => {
    const taskStore = new MemoryDataStore('tasks');
    const schedule = new CommandSchedule(invokerWithTaskStore(taskStore));
    schedule.add(call('a', 10), at(10));
    assert.deepEqual(await schedule.load(), []);
    assert.equal(schedule.size, 0);
  });

  test('a custom key keeps two schedules apart in one store', async () => {
    const taskStore = new MemoryDataStore('tasks');
    const invoker = invokerWithTaskStore(taskStore);
    const one = new CommandSchedule(invoker, 'one');
    one.add(call('a', 10), at(10));
    await one.save();
    await new CommandSchedule(invoker, 'two').save();
    const back = new CommandSchedule(invoker, 'one');
    await back.load();
    assert.deepEqual(back.commands(), [call('a', 10)]);
  });

  test('load() skips and returns saved entries that are not valid messages; a call without eta is due at once', async () => {
    const taskStore = new MemoryDataStore('tasks');
    await taskStore.put('schedule', JSON.stringify([call('a', 10), 'garbage', call('now', null)]));
    const schedule = new CommandSchedule(invokerWithTaskStore(taskStore));
    assert.deepEqual(await schedule.load(), ['garbage']);
    assert.deepEqual(schedule.due(at(-3600)), [call('now', null)]);
    assert.deepEqual(schedule.commands(), [call('a', 10)]);
  });

  test('a saved schedule that is not a JSON list of strings rejects load() with QueueReadException keeping the raw text', async () => {
    for (const raw of ['{not json', '{"a":1}', '[1,2]']) {
      const taskStore = new MemoryDataStore('tasks');
      await taskStore.put('schedule', raw);
      await assert.rejects(new CommandSchedule(invokerWithTaskStore(taskStore)).load(), (error: unknown) => error instanceof QueueReadException && error.raw === raw);
    }
  });

  test('without a task store, save() and load() do nothing', async () => {
    const schedule = new CommandSchedule(invokerWithTaskStore(undefined));
    schedule.add(call('a', 10), at(10));
    await schedule.save();
    assert.deepEqual(await schedule.load(), []);
    assert.equal(schedule.size, 1, 'load() without a store keeps what is in memory');
  });
});
