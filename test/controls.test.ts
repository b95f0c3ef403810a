/**
 * Controls of calls through the public API, on the memory backend:
 * priority and expiry reach the message, revocations are kept per call and
 * per command, and `alwaysEager` follows the consumer's rules in-process
 * (revoked and expired calls skip, locks hold, pipelines run in order).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { queueCommand, TaskException, TaskLockedException, type PipelineFailure } from 'huey';
import { decodeMessage } from '../src/core/message.js';
import { continuePipeline, stopPipeline } from '../src/running/pipeline-fate.js';
import { memoryInvoker } from './helpers.js';
import { contractView } from './backends/contract-view.js';

describe('priority and expiry reach the message', () => {
  test('a command\'s priority and expires are every call\'s; schedule() overrides them per call', async () => {
    const { invoker, queue } = memoryInvoker();
    const report = queueCommand(invoker, { priority: 3, expires: 60 })(function report(n: number) {
      return n;
    });
    await report(1);
    const until = new Date('2040-01-01T00:00:00Z');
    await report.schedule({ args: [2], priority: -1, expires: until });
    const [first, second] = (await queue.waiting(10)).map(decodeMessage);
    assert.equal(first!.priority, 3);
    assert.equal(first!.expires!.getTime(), first!.enqueuedAt.getTime() + 60_000);
    assert.equal(second!.priority, -1);
    assert.deepEqual(second!.expires, until);
  });

  test('invoker.dequeue() returns calls by priority, equal priorities in the order they were enqueued', async () => {
    const { invoker } = memoryInvoker();
    const work = queueCommand(invoker)(function work(label: string) {
      return label;
    });
    await work('a');
    await work.schedule({ args: ['urgent'], priority: 10 });
    await work('b');
    await work.schedule({ args: ['later'], priority: -5 });
    await work.schedule({ args: ['soon'], priority: 10 });
    const order: unknown[] = [];
    for (let call = await invoker.dequeue(); call !== undefined; call = await invoker.dequeue()) order.push(call.args[0]);
    assert.deepEqual(order, ['urgent', 'soon', 'a', 'b', 'later']);
  });
});

describe('revoke and restore keep their state in the backend', () => {
  test('fn.revoke() revokes the command until fn.restore(); res.revoke() and invoker.revokeById() one call', async () => {
    const { invoker, queue } = memoryInvoker();
    const work = queueCommand(invoker)(function work() {});
    assert.equal(await work.isRevoked(), false);
    await work.revoke();
    assert.equal(await work.isRevoked(), true);
    assert.equal(await work.restore(), true);
    assert.equal(await work.isRevoked(), false);
    const res = (await work())!;
    await res.revoke();
    assert.equal(await res.isRevoked(), true);
    assert.equal(await invoker.isRevokedById(res.taskId), true);
    assert.equal(await invoker.restoreById(res.taskId), true);
    assert.equal(await res.isRevoked(), false);
    await invoker.revokeById('another', { until: new Date(Date.now() + 60_000) });
    assert.deepEqual((await contractView(queue).revocations!(new Date())).map((entry) => entry.key), ['task:another']);
  });
});

describe('alwaysEager follows the same rules in-process', () => {
  test('a revoked command\'s call is not run and its handle rejects with TaskException saying so; once skips one call', async () => {
    const { invoker } = memoryInvoker({ alwaysEager: true });
    const ran: number[] = [];
    const work = queueCommand(invoker)(function work(n: number) {
      ran.push(n);
      return n;
    });
    await work.revoke({ once: true });
    const skipped = (await work(1))!;
    await assert.rejects(skipped.get(), (error: unknown) => error instanceof TaskException && error.remoteName === 'TaskRevoked' && /work is revoked and was not run/.test(error.message));
    assert.equal(await (await work(2)).get(), 2);
    assert.deepEqual(ran, [2]);
  });

  test('a call whose expires instant has passed is not run, and its handle rejects', async () => {
    const { invoker } = memoryInvoker({ alwaysEager: true });
    let ran = false;
    const work = queueCommand(invoker)(function work() {
      ran = true;
    });
    const res = (await work.schedule({ args: [], expires: new Date(Date.now() - 1000) }))!;
    await assert.rejects(res.get(), (error: unknown) => error instanceof TaskException && error.remoteName === 'TaskExpired');
    assert.equal(ran, false);
  });

  test('a command with a lock fails with TaskLockedException while the lock is held, and runs once it is free', async () => {
    const { invoker } = memoryInvoker({ alwaysEager: true });
    const work = queueCommand(invoker, { lock: 'reports' })(function work() {
      return 'done';
    });
    let release!: () => void;
    const holding = invoker.lockTask('reports').run(() => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await invoker.isLocked('reports'), true);
    await assert.rejects(work(), TaskLockedException);
    release();
    await holding;
    assert.equal(await (await work()).get(), 'done');
    assert.equal(await invoker.isLocked('reports'), false);
  });

  test('a pipeline runs each step with the previous result first; group.get() gives every result in order', async () => {
    const { invoker } = memoryInvoker({ alwaysEager: true });
    const add = queueCommand(invoker)(function add(a: number, b: number) {
      return a + b;
    });
    const mul = queueCommand(invoker)(function mul(a: number, b: number) {
      return a * b;
    });
    const show = queueCommand(invoker)(function show(n: number) {
      return `= ${n}`;
    });
    const group = await invoker.enqueue(add.s(1, 2).then(mul, 10).then(show));
    assert.deepEqual(await group.get({ blocking: true, timeout: 5 }), [3, 30, '= 30']);
  });

  test('a failing step runs the error step with the failure; later steps do not run and their handles reject', async () => {
    const { invoker } = memoryInvoker({ alwaysEager: true });
    const failures: PipelineFailure[] = [];
    let shown = false;
    const add = queueCommand(invoker)(function add(a: number, b: number) {
      return a + b;
    });
    const explode = queueCommand(invoker)(function explode(n: number): number {
      throw new RangeError(`no ${n}`);
    });
    const show = queueCommand(invoker)(function show() {
      shown = true;
    });
    const onFailure = queueCommand(invoker)(function onFailure(failure: PipelineFailure, note: string) {
      failures.push({ ...failure, message: `${failure.message} (${note})` });
    });
    const p = add.s(1, 2).then(explode).then(show);
    p.error(onFailure, 'paged');
    const group = await invoker.enqueue(p);
    await assert.rejects(group.get(), (error: unknown) => error instanceof TaskException && error.remoteName === 'RangeError');
    await assert.rejects(group.handles[2]!.get(), (error: unknown) => error instanceof TaskException && error.remoteName === 'PipelineStopped');
    assert.equal(shown, false);
    assert.deepEqual(failures, [{ name: 'RangeError', message: 'no 3 (paged)', taskId: group.taskIds[1], command: explode.commandName }]);
  });
});

describe('a pipeline through a queue', () => {
  test('enqueue() writes the first step only, carrying the later steps and the error step; the group knows every id', async () => {
    const { invoker, queue } = memoryInvoker();
    const add = queueCommand(invoker)(function add(a: number, b: number) {
      return a + b;
    });
    const mul = queueCommand(invoker)(function mul(a: number, b: number) {
      return a * b;
    });
    const onFailure = queueCommand(invoker)(function onFailure(failure: PipelineFailure) {
      return failure.message;
    });
    const group = await invoker.enqueue(add.s(1, 2).then(mul, 10).error(onFailure));
    const messages = (await queue.waiting(10)).map(decodeMessage);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.id, group.taskIds[0]);
    assert.deepEqual(messages[0]!.then, [{ id: group.taskIds[1], command: mul.commandName, args: [10] }]);
    assert.equal(messages[0]!.onError?.command, onFailure.commandName);
    assert.equal(await group.get(), undefined, 'nothing has run yet');
  });
});

describe('a pipeline step, once done, continues or stops its pipeline (what the consumer does)', () => {
  const setup = () => {
    const { invoker, store } = memoryInvoker();
    const add = queueCommand(invoker)(function add(a: number, b: number) {
      return a + b;
    });
    const mul = queueCommand(invoker)(function mul(a: number, b: number) {
      return a * b;
    });
    const onFailure = queueCommand(invoker)(function onFailure(failure: PipelineFailure, who: string) {
      return `${who}: ${failure.message}`;
    });
    return { invoker, store, add, mul, onFailure };
  };

  test('continuePipeline() enqueues the next step with the result first; the last step continues nothing', async () => {
    const { invoker, add, mul } = setup();
    const group = await invoker.enqueue(add.s(1, 2).then(mul, 10));
    const first = (await invoker.dequeue())!;
    const next = await continuePipeline(invoker, first, await invoker.execute(first));
    assert.deepEqual([next!.taskId, next!.args, next!.then], [group.taskIds[1], [3, 10], []]);
    const last = (await invoker.dequeue())!;
    assert.equal(last.taskId, group.taskIds[1]);
    assert.equal(await continuePipeline(invoker, last, await invoker.execute(last)), undefined);
    assert.deepEqual(await group.get({ blocking: true, timeout: 5 }), [3, 30]);
  });

  test('stopPipeline() makes every later step\'s handle reject and enqueues the error step with the failure', async () => {
    const { invoker, add, mul, onFailure } = setup();
    const group = await invoker.enqueue(add.s(1, 2).then(mul, 10).then(mul, 2).error(onFailure, 'ops'));
    const first = (await invoker.dequeue())!;
    const errorStep = await stopPipeline(invoker, first, { name: 'RangeError', message: 'too big' });
    assert.deepEqual(errorStep!.args, [{ name: 'RangeError', message: 'too big', taskId: first.taskId, command: add.commandName }, 'ops']);
    for (const handle of group.handles.slice(1)) {
      await assert.rejects(handle.get(), (error: unknown) => error instanceof TaskException && error.remoteName === 'PipelineStopped' && error.message.includes('too big'));
    }
    const queued = (await invoker.dequeue())!;
    assert.equal(await invoker.execute(queued), 'ops: too big');
  });
});
