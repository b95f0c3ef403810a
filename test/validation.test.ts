/**
 * Argument validation at the public boundary, all cases in one place. Every
 * bad argument is a ConfigurationError; a bad value reads
 * ``Expected `retries` to be a non-negative integer, got "x" (string)``.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { AsyncData, ConfigurationError, crontab, Invoker, MemoryDataStore, MemoryQueue, periodicCommand, queueCommand, type InvokerOptions, type PipelineFailure, type Queued } from 'huey';
import { memoryInvoker } from './helpers.js';
import { contractView } from './backends/contract-view.js';

/** The message shape every bad value shares. */
const SHAPE = /^Expected `[A-Za-z ()]+` to be .+, got .+$/;

/** Asserts that `fn` throws a ConfigurationError whose message is `message` (exact) or matches it. */
function throwsConfig(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, `expected a ConfigurationError, got ${String(error)}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

/** Like {@link throwsConfig}, for a call that must reject (not throw synchronously). */
async function rejectsConfig(fn: () => Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, `expected a ConfigurationError, got ${String(error)}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

const bad = <T>(value: unknown): T => value as T;

describe('queueCommand() options', () => {
  const cases: [string, unknown, string][] = [
    ['retries', 'x', 'Expected `retries` to be a non-negative integer, got "x" (string)'],
    ['retries', -1, 'Expected `retries` to be a non-negative integer, got -1 (number)'],
    ['retries', 1.5, 'Expected `retries` to be a non-negative integer, got 1.5 (number)'],
    ['retries', NaN, 'Expected `retries` to be a non-negative integer, got NaN (number)'],
    ['retries', Infinity, 'Expected `retries` to be a non-negative integer, got Infinity (number)'],
    ['retries', null, 'Expected `retries` to be a non-negative integer, got null'],
    ['retries', '3', 'Expected `retries` to be a non-negative integer, got "3" (string)'],
    ['retries', 3n, 'Expected `retries` to be a non-negative integer, got 3 (bigint)'],
    ['retries', function three() {
      return 3;
    }, 'Expected `retries` to be a non-negative integer, got [Function: three] (function)'],
    ['retries', [3], 'Expected `retries` to be a non-negative integer, got [object Array] (object)'],
    ['retryDelay', -1, 'Expected `retryDelay` to be a non-negative number of seconds, got -1 (number)'],
    ['retryDelay', '5', 'Expected `retryDelay` to be a non-negative number of seconds, got "5" (string)'],
    ['retryDelay', NaN, 'Expected `retryDelay` to be a non-negative number of seconds, got NaN (number)'],
    ['retryDelay', Infinity, 'Expected `retryDelay` to be a non-negative number of seconds, got Infinity (number)'],
    ['priority', 'high', 'Expected `priority` to be a finite number (higher runs first), got "high" (string)'],
    ['priority', NaN, 'Expected `priority` to be a finite number (higher runs first), got NaN (number)'],
    ['priority', Infinity, 'Expected `priority` to be a finite number (higher runs first), got Infinity (number)'],
    ['priority', null, 'Expected `priority` to be a finite number (higher runs first), got null'],
    ['expires', -1, 'Expected `expires` to be a non-negative number of seconds or a valid Date, got -1 (number)'],
    ['expires', Infinity, 'Expected `expires` to be a non-negative number of seconds or a valid Date, got Infinity (number)'],
    ['expires', '60', 'Expected `expires` to be a non-negative number of seconds or a valid Date, got "60" (string)'],
    ['expires', new Date('nope'), 'Expected `expires` to be a valid Date, got Invalid Date (Date)'],
    ['lock', '', 'Expected `lock` to be a non-empty string (a lock name), got "" (string)'],
    ['lock', 7, 'Expected `lock` to be a non-empty string (a lock name), got 7 (number)'],
    ['rateLimit', 5, 'Expected `rateLimit` to be an object { calls, per } (at most `calls` starts in any `per` seconds), got 5 (number)'],
    ['rateLimit', { calls: 0, per: 1 }, 'Expected `rateLimit.calls` to be a positive integer, got 0 (number)'],
    ['rateLimit', { calls: 2.5, per: 1 }, 'Expected `rateLimit.calls` to be a positive integer, got 2.5 (number)'],
    ['rateLimit', { per: 1 }, 'Expected `rateLimit.calls` to be a positive integer, got undefined'],
    ['rateLimit', { calls: 5, per: 0 }, 'Expected `rateLimit.per` to be a positive number of seconds, got 0 (number)'],
    ['rateLimit', { calls: 5, per: '1' }, 'Expected `rateLimit.per` to be a positive number of seconds, got "1" (string)'],
    ['rateLimit', { calls: 5, per: Infinity }, 'Expected `rateLimit.per` to be a positive number of seconds, got Infinity (number)'],
    ['rateLimit', { calls: 5, per: 1, burst: 2 }, 'Unknown rateLimit option `burst`; expected one of `calls`, `per`'],
    ['concurrency', 0, 'Expected `concurrency` to be a positive integer, got 0 (number)'],
    ['concurrency', 1.5, 'Expected `concurrency` to be a positive integer, got 1.5 (number)'],
    ['concurrency', '2', 'Expected `concurrency` to be a positive integer, got "2" (string)'],
  ];
  for (const [option, value, message] of cases) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'function' ? value.name : Array.isArray(value) ? `[${String(value)}]` : value !== null && typeof value === 'object' && !(value instanceof Date) ? inspect(value) : String(value);
    test(`${option}: ${shown} (${typeof value}) is refused when the decorator is made`, () => {
      const { invoker } = memoryInvoker();
      throwsConfig(() => queueCommand(invoker, { [option]: value }), message);
    });
  }

  test('retries 0 and retryDelay 0 or a fraction are accepted', () => {
    const { invoker } = memoryInvoker();
    const fn = queueCommand(invoker, { retries: 0, retryDelay: 0.5 })(function fine() {});
    assert.equal(invoker.registry.get(fn.commandName)?.retryDelay, 0.5);
  });

  for (const name of [7, '', 'nodot', 'has space.fn', '.fn', 'module.', 'a..b']) {
    test(`name ${JSON.stringify(name)} is refused`, () => {
      const { invoker } = memoryInvoker();
      throwsConfig(() => queueCommand(invoker, { name: bad<string>(name) })(function f() {}), /^Expected `name` to be a command name like "module\.function".*, got .+$/);
    });
  }

  test('names with folders and dots in them are accepted: the function name follows the last dot', () => {
    const { invoker } = memoryInvoker();
    assert.equal(queueCommand(invoker, { name: 'apps/billing.v2/tasks.charge' })(function charge() {}).commandName, 'apps/billing.v2/tasks.charge');
  });

  test('an unknown option is refused, naming it and the known ones', () => {
    const { invoker } = memoryInvoker();
    throwsConfig(() => queueCommand(invoker, bad({ retry: 3 })), 'Unknown queueCommand option `retry`; expected one of `retries`, `retryDelay`, `timeout`, `name`, `priority`, `expires`, `lock`, `rateLimit`, `concurrency`');
  });

  test('rateLimit and concurrency are refused on a queue that keeps no control store', () => {
    const queue = Object.defineProperty(new MemoryQueue('bare'), 'controlStore', { value: undefined });
    const invoker = new Invoker(queue);
    throwsConfig(() => queueCommand(invoker, { concurrency: 2 }), /^Queue "bare" \(\w*\) keeps no limits: give it a controlStore \(backends\/base\.ts\)$/);
  });

  test('rateLimit with a fraction of a second and concurrency 1 are accepted and kept on the command', () => {
    const { invoker } = memoryInvoker();
    const fn = queueCommand(invoker, { rateLimit: { calls: 3, per: 0.5 }, concurrency: 1 })(function limited() {});
    assert.deepEqual(invoker.registry.get(fn.commandName)?.rateLimit, { calls: 3, per: 0.5 });
    assert.equal(invoker.registry.get(fn.commandName)?.concurrency, 1);
  });

  test('options that are not an object are refused', () => {
    const { invoker } = memoryInvoker();
    throwsConfig(() => queueCommand(invoker, bad(null)), SHAPE);
    throwsConfig(() => queueCommand(invoker, bad(3)), SHAPE);
  });

  test('an invoker that is not an Invoker is refused', () => {
    throwsConfig(() => queueCommand(bad({ queue: new MemoryQueue('q') }))(function f() {}), 'Expected `invoker` to be an Invoker, got [object Object] (object)');
  });

  test('decorating something that is not a function is refused', () => {
    const { invoker } = memoryInvoker();
    throwsConfig(() => queueCommand(invoker)(bad<() => void>('countBeans')), 'Expected `fn` to be a function, got "countBeans" (string)');
  });
});

describe('schedule() options', () => {
  const setup = () => {
    const { invoker, queue } = memoryInvoker();
    const add = queueCommand(invoker)(function add(a: number, b: number) {
      return a + b;
    });
    return { add, queue };
  };

  const cases: [string, object, string | RegExp][] = [
    ['an eta that is not a Date', { args: [1, 2], eta: '2030-01-01' }, 'Expected `eta` to be a valid Date, got "2030-01-01" (string)'],
    ['an eta that is an invalid Date', { args: [1, 2], eta: new Date('nope') }, 'Expected `eta` to be a valid Date, got Invalid Date (Date)'],
    ['an eta given as a number', { args: [1, 2], eta: Date.now() }, /^Expected `eta` to be a valid Date, got \d+ \(number\)$/],
    ['a negative delay', { args: [1, 2], delay: -5 }, 'Expected `delay` to be a non-negative number of seconds, got -5 (number)'],
    ['a delay that is a string', { args: [1, 2], delay: '5' }, 'Expected `delay` to be a non-negative number of seconds, got "5" (string)'],
    ['eta and delay both', { args: [1, 2], eta: new Date(), delay: 5 }, 'Give `eta` or `delay` to schedule(), not both'],
    ['a delay past the last instant a Date holds', { args: [1, 2], delay: 1e20 }, 'Expected `delay` to be a number of seconds that ends before the year 275760, got 100000000000000000000 (number)'],
    ['args that are not an array', { args: 1, delay: 5 }, 'Expected `args` to be an array of arguments, got 1 (number)'],
    ['a priority that is not a number', { args: [1, 2], priority: '1' }, 'Expected `priority` to be a finite number (higher runs first), got "1" (string)'],
    ['a priority that is not finite', { args: [1, 2], priority: -Infinity }, 'Expected `priority` to be a finite number (higher runs first), got -Infinity (number)'],
    ['a negative expires', { args: [1, 2], expires: -0.5 }, 'Expected `expires` to be a non-negative number of seconds or a valid Date, got -0.5 (number)'],
    ['an expires that is NaN', { args: [1, 2], expires: NaN }, 'Expected `expires` to be a non-negative number of seconds or a valid Date, got NaN (number)'],
    ['an expires that is an invalid Date', { args: [1, 2], expires: new Date('nope') }, 'Expected `expires` to be a valid Date, got Invalid Date (Date)'],
    ['an unknown option', { args: [1, 2], when: new Date() }, 'Unknown schedule() option `when`; expected one of `args`, `eta`, `delay`, `priority`, `expires`'],
    // a limit belongs to the command, shared by all its calls: one call cannot have its own
    ['a rate limit of its own', { args: [1, 2], rateLimit: { calls: 1, per: 1 } }, 'Unknown schedule() option `rateLimit`; expected one of `args`, `eta`, `delay`, `priority`, `expires`'],
    ['a concurrency of its own', { args: [1, 2], concurrency: 1 }, 'Unknown schedule() option `concurrency`; expected one of `args`, `eta`, `delay`, `priority`, `expires`'],
  ];
  for (const [what, options, message] of cases) {
    test(`${what} rejects the call, and nothing is enqueued`, async () => {
      const { add, queue } = setup();
      await rejectsConfig(() => add.schedule(bad(options)), message);
      assert.equal(await queue.length(), 0);
    });
  }

  test('options that are not an object reject the call', async () => {
    const { add } = setup();
    await rejectsConfig(() => add.schedule(bad(undefined)), SHAPE);
    await rejectsConfig(() => add.schedule(bad([1, 2])), SHAPE);
  });

  test('args may be left out: the call gets no arguments, as huey\'s args=None', async () => {
    const { invoker, queue } = memoryInvoker();
    const ping = queueCommand(invoker)(function ping() {
      return 'pong';
    });
    await ping.schedule({ delay: 5 });
    const [data] = await queue.waiting(1);
    assert.deepEqual(JSON.parse(data!).args, []);
  });

  test('a valid eta, a valid delay, or neither are accepted', async () => {
    const { add, queue } = setup();
    await add.schedule({ args: [1, 2], eta: new Date('2030-01-01T00:00:00Z') });
    await add.schedule({ args: [1, 2], delay: 0 });
    await add.schedule({ args: [1, 2] });
    assert.equal(await queue.length(), 3);
  });
});

describe('controls of calls: revoke(), locks and pipelines', () => {
  const setup = () => {
    const { invoker, queue } = memoryInvoker();
    const add = queueCommand(invoker)(function add(a: number, b: number) {
      return a + b;
    });
    return { invoker, queue, add };
  };

  for (const [what, until, message] of [
    ['a string', '2030-01-01', 'Expected `until` to be a valid Date, got "2030-01-01" (string)'],
    ['an invalid Date', new Date('nope'), 'Expected `until` to be a valid Date, got Invalid Date (Date)'],
    ['a number', 5, 'Expected `until` to be a valid Date, got 5 (number)'],
  ] as const) {
    test(`revoke() with an until that is ${what} rejects, and nothing is revoked`, async () => {
      const { invoker, queue, add } = setup();
      await rejectsConfig(() => add.revoke(bad({ until })), message);
      await rejectsConfig(() => invoker.revokeById('some-id', bad({ until })), message);
      assert.deepEqual(await contractView(queue).revocations!(new Date()), []);
    });
  }

  test('revoke() with an unknown option or a once that is not a boolean rejects', async () => {
    const { add } = setup();
    await rejectsConfig(() => add.revoke(bad({ forever: true })), 'Unknown revoke() option `forever`; expected one of `until`, `once`');
    await rejectsConfig(() => add.revoke(bad({ once: 'yes' })), 'Expected `once` to be a boolean, got "yes" (string)');
  });

  for (const name of ['', 7, null, undefined]) {
    test(`lockTask() with the lock name ${String(JSON.stringify(name))} is refused`, () => {
      const { invoker } = setup();
      throwsConfig(() => invoker.lockTask(bad(name)), /^Expected `lock` to be a non-empty string \(a lock name\), got .+$/);
    });
  }

  test('revokeById() and restoreById() of an id that is not a non-empty string reject', async () => {
    const { invoker } = setup();
    await rejectsConfig(() => invoker.revokeById(bad('')), 'Expected `taskId` to be a non-empty string, got "" (string)');
    await rejectsConfig(() => invoker.restoreById(bad(7)), 'Expected `taskId` to be a non-empty string, got 7 (number)');
  });

  test('lockTask() with a lease that is not a positive number of seconds is refused', () => {
    const { invoker } = setup();
    throwsConfig(() => invoker.lockTask('reports', { lease: 0 }), 'Expected `lease` to be a positive number of seconds, got 0 (number)');
    throwsConfig(() => invoker.lockTask('reports', bad({ lease: '30' })), 'Expected `lease` to be a non-negative number of seconds, got "30" (string)');
  });

  for (const [what, step] of [
    ['a plain function', function mul(a: number) {
      return a * 2;
    }],
    ['a string', 'commands.mul'],
    ['undefined', undefined],
  ] as const) {
    test(`.then() given ${what} is refused, and nothing is enqueued`, async () => {
      const { queue, add } = setup();
      throwsConfig(() => add.s(1, 2).then(bad<Queued<[number], number>>(step)), /^Expected `then\(\) step` to be a function made by queueCommand, got .+$/);
      throwsConfig(() => add.s(1, 2).error(bad<Queued<[PipelineFailure], unknown>>(step)), /^Expected `error\(\) step` to be a function made by queueCommand, got .+$/);
      assert.equal(await queue.length(), 0);
    });
  }

  test('a pipeline enqueued by an invoker without a result store is refused, and nothing is enqueued', async () => {
    const queue = new MemoryQueue('q');
    const invoker = new Invoker(queue, { registry: new (await import('huey')).CommandRegistry() });
    const add = queueCommand(invoker)(function add(a: number, b: number) {
      return a + b;
    });
    await assert.rejects(invoker.enqueue(add.s(1, 2)), ConfigurationError);
    assert.equal(await queue.length(), 0);
  });
});

describe('new Invoker() options', () => {
  test('an unknown option is refused, naming it and the known ones', () => {
    throwsConfig(
      () => new Invoker(new MemoryQueue('q'), bad<InvokerOptions>({ alwaysEagre: true })),
      'Unknown Invoker option `alwaysEagre`; expected one of `resultStore`, `taskStore`, `storeNone`, `alwaysEager`, `registry`, `trace`',
    );
  });

  test('huey 0.2 spellings are refused too, so a port from Python fails loudly', () => {
    throwsConfig(() => new Invoker(new MemoryQueue('q'), bad<InvokerOptions>({ result_store: new MemoryDataStore('r') })), /Unknown Invoker option `result_store`/);
  });
});

describe('periodicCommand() arguments', () => {
  test('a validator that is not a function is refused', () => {
    const { invoker } = memoryInvoker();
    throwsConfig(() => periodicCommand(invoker, bad({ minute: '*/5' })), 'Expected `validator` to be a function of a Date, such as crontab(), got [object Object] (object)');
    throwsConfig(() => periodicCommand(invoker, bad('*/5 * * * *')), /^Expected `validator` to be .+, got "\*\/5 \* \* \* \*" \(string\)$/);
  });

  test('an unknown option is refused', () => {
    const { invoker } = memoryInvoker();
    throwsConfig(() => periodicCommand(invoker, crontab(), bad({ retries: 3 })), 'Unknown periodicCommand option `retries`; expected one of `name`');
  });

  test('a bad name is refused', () => {
    const { invoker } = memoryInvoker();
    throwsConfig(() => periodicCommand(invoker, crontab(), { name: 'no dot' })(function report() {}), SHAPE);
  });
});

describe('AsyncData.get() options', () => {
  const handle = (): AsyncData => new AsyncData(new MemoryDataStore('s'), 'task');
  const cases: [string, object, string | RegExp][] = [
    ['a negative timeout', { blocking: true, timeout: -1 }, 'Expected `timeout` to be a non-negative number of seconds, got -1 (number)'],
    ['a timeout that is a string', { blocking: true, timeout: '5' }, 'Expected `timeout` to be a non-negative number of seconds, got "5" (string)'],
    ['a NaN timeout', { blocking: true, timeout: NaN }, 'Expected `timeout` to be a non-negative number of seconds, got NaN (number)'],
    ['a backoff below 1', { blocking: true, backoff: 0.5 }, 'Expected `backoff` to be a number of at least 1, got 0.5 (number)'],
    ['a backoff that is a string', { blocking: true, backoff: 'fast' }, 'Expected `backoff` to be a number of at least 1, got "fast" (string)'],
    ['a negative maxDelay', { blocking: true, maxDelay: -1 }, 'Expected `maxDelay` to be a non-negative number of seconds, got -1 (number)'],
    ['an unknown option', { block: true }, 'Unknown get() option `block`; expected one of `blocking`, `timeout`, `backoff`, `maxDelay`'],
  ];
  for (const [what, options, message] of cases) {
    test(`${what} rejects get()`, async () => {
      await rejectsConfig(() => handle().get(bad(options)), message);
    });
  }
});

describe('the message shape', () => {
  test('every bad value names the argument, what was expected, the value and its type', () => {
    const { invoker } = memoryInvoker();
    for (const options of [{ retries: 'x' }, { retryDelay: -2 }]) {
      throwsConfig(() => queueCommand(invoker, bad(options)), SHAPE);
    }
  });
});
