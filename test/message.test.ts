/**
 * The wire format: what a message looks like in the queue, which values
 * round-trip, which are refused at the producer, and how a malformed
 * message read back is reported.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QueueReadException, QueueWriteException, queueCommand } from 'huey';
import { decodeMessage, decodeOutcome, decodeValue, encodeMessage, encodeOutcome, encodeValue, messagePriority, WIRE_VERSION, type Message } from '../src/core/message.js';
import { memoryInvoker } from './helpers.js';

/** Encodes a value, sends it through JSON text as the queue would, and decodes it. */
const roundTrip = (value: unknown): unknown => decodeValue(JSON.parse(JSON.stringify(encodeValue(value, 'the test value'))));

const message = (overrides: Partial<Message> = {}): Message => ({
  id: 'a1b2',
  command: 'commands.countBeans',
  args: [100],
  eta: null,
  retries: 2,
  retryDelay: 1.5,
  enqueuedAt: new Date('2011-01-01T00:00:00.000Z'),
  ...overrides,
});

describe('encodeMessage()', () => {
  test('writes one line of JSON with the version, id, command, args, eta, retries, retry delay and enqueue time', () => {
    const text = encodeMessage(message({ eta: new Date('2011-01-02T03:04:05.000Z') }));
    assert.ok(!text.includes('\n'));
    assert.deepEqual(JSON.parse(text), {
      v: WIRE_VERSION,
      id: 'a1b2',
      command: 'commands.countBeans',
      args: [100],
      eta: '2011-01-02T03:04:05.000Z',
      retries: 2,
      retryDelay: 1.5,
      enqueuedAt: '2011-01-01T00:00:00.000Z',
    });
  });

  test('decodeMessage() reads back exactly what encodeMessage() wrote', () => {
    for (const original of [message(), message({ eta: new Date('2030-05-06T07:08:09.123Z'), args: [new Map([[1, new Set(['a'])]]), undefined] })]) {
      assert.deepEqual(decodeMessage(encodeMessage(original)), original);
    }
  });
});

describe('controls on the wire: priority, expires, pipeline steps', () => {
  test('a message without priority, expires or steps is written as before, without those fields', () => {
    const data = JSON.parse(encodeMessage(message())) as Record<string, unknown>;
    for (const key of ['priority', 'expires', 'then', 'onError']) assert.equal(key in data, false, key);
  });

  test('priority (before args), expires and pipeline steps round-trip', () => {
    const original = message({
      priority: -2.5,
      expires: new Date('2031-01-01T00:00:00.000Z'),
      then: [{ id: 's2', command: 'commands.mul', args: [10, new Date(0)] }],
      onError: { id: 'e1', command: 'commands.report', args: [] },
    });
    const text = encodeMessage(original);
    assert.ok(text.indexOf('"priority"') < text.indexOf('"args"'), 'priority comes before args');
    assert.deepEqual(decodeMessage(text), original);
  });

  test('messagePriority() reads the envelope\'s priority, not a "priority" key in the arguments, and 0 when absent', () => {
    assert.equal(messagePriority(encodeMessage(message({ priority: 7 }))), 7);
    assert.equal(messagePriority(encodeMessage(message({ args: [{ a: 1, priority: 9 }] }))), 0);
    assert.equal(messagePriority(encodeMessage(message({ command: 'm.x","priority":5', args: [] }))), 0);
    assert.equal(messagePriority('{"id":"old"}'), 0);
  });

  test('a message written before controls existed (no priority, expires, then) is still read', () => {
    const old = '{"v":1,"id":"a1","command":"commands.countBeans","args":[100],"eta":null,"retries":0,"retryDelay":0,"enqueuedAt":"2011-01-01T00:00:00.000Z"}';
    const decoded = decodeMessage(old);
    assert.equal(decoded.priority, undefined);
    assert.equal(decoded.expires, undefined);
    assert.equal(messagePriority(old), 0);
  });

  for (const [field, value, why] of [
    ['priority', '"high"', '"priority" must be a finite number'],
    ['expires', '"soon"', '"expires" must be null or an ISO date'],
    ['then', '{}', '"then" must be an array of steps'],
    ['then', '[{"id":"x","args":[]}]', '"then"[0].command must be a non-empty string without control characters'],
    ['onError', '[]', '"onError" must be an object'],
  ]) {
    test(`a message whose ${field} is ${value} is malformed: ${why}`, () => {
      const raw = `{"v":1,"id":"a1","command":"c.f","args":[],"eta":null,"retries":0,"retryDelay":0,"enqueuedAt":"2011-01-01T00:00:00.000Z","${field}":${value}}`;
      assert.throws(() => decodeMessage(raw), (error: unknown) => error instanceof QueueReadException && error.message === `Malformed message: ${why}` && error.raw === raw);
    });
  }
});

describe('values round-trip through the wire format', () => {
  const cases: [string, unknown][] = [
    ['a Date', new Date('2011-01-01T12:34:56.789Z')],
    ['a BigInt', 12345678901234567890n],
    ['a negative BigInt', -42n],
    ['a Map with non-string keys', new Map<unknown, unknown>([[1, 'one'], [{ k: 2 }, [2]], [3n, new Date(0)]])],
    ['a Set', new Set([1, 'two', null])],
    ['undefined inside an array', [1, undefined, 3]],
    ['undefined inside an object', { a: undefined, b: 1 }],
    ['undefined at the top level', undefined],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['-0', -0],
    ['strings, booleans, null and finite numbers', ['text', true, false, null, 0, -1.5, Number.MAX_SAFE_INTEGER]],
    ['deeply nested tagged values', { list: [{ when: new Date(5), tags: new Set([new Map([['n', 1n]])]) }], nothing: [undefined, [undefined]] }],
    ['an empty object, array, Map and Set', [{}, [], new Map(), new Set()]],
    ['an object whose only key starts with $', { $date: 'not a tag' }],
    ['an object whose only key is $object', { $object: { $object: 1 } }],
    ['an object with a $ key among others', { $date: 'x', other: 1 }],
    ['a Map and a Set whose entries look like tags', new Map([['$set', { $bigint: '1' }]])],
    ['an object with a null prototype, as a plain object', Object.assign(Object.create(null) as object, { a: 1 })],
    ['a repeated (not cyclic) reference', (() => { const shared = { n: 1 }; return [shared, shared]; })()],
  ];
  for (const [what, value] of cases) {
    test(`${what} comes back equal`, () => {
      const back = roundTrip(value);
      if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === null) {
        assert.deepEqual(back, { ...value });
      } else {
        assert.deepEqual(back, value);
      }
    });
  }

  test('-0 keeps its sign', () => {
    assert.ok(Object.is(roundTrip(-0), -0));
  });

  test('a "__proto__" key stays an own key and never becomes the prototype', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const back = roundTrip(value) as Record<string, unknown>;
    assert.deepEqual(Object.keys(back), ['__proto__', 'a']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, { polluted: true });
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.equal((back as { polluted?: unknown }).polluted, undefined);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  test('a "__proto__" key read from a message does not pollute any prototype', () => {
    const raw = JSON.stringify({ ...JSON.parse(encodeMessage(message({ args: [] }))), args: [JSON.parse('{"__proto__":{"polluted":1}}')] });
    const [arg] = decodeMessage(raw).args as Record<string, unknown>[];
    assert.equal(Object.getPrototypeOf(arg), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(arg, '__proto__')?.value, { polluted: 1 });
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  test('a sparse array arrives with undefined in its holes', () => {
    // eslint-disable-next-line no-sparse-arrays
    assert.deepEqual(roundTrip([1, , 3]), [1, undefined, 3]);
  });
});

describe('values that cannot be sent are refused with QueueWriteException naming the argument', () => {
  class Point {
    constructor(readonly x: number) {}
  }
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const cases: [string, unknown, RegExp][] = [
    ['a function', function helper() {}, /argument 0 of commands\.x: the value is a function \(helper\)/],
    ['an arrow function inside an object', { cb: () => 1 }, /argument 0 of commands\.x: the value\.cb is a function/],
    ['a symbol', Symbol('s'), /argument 0 of commands\.x: the value is a symbol \(Symbol\(s\)\)/],
    ['a cycle', cyclic, /argument 0 of commands\.x: the value\.self is a reference back to itself \(a cycle\)/],
    ['a class instance', new Point(1), /argument 0 of commands\.x: the value is an instance of Point/],
    ['a class instance in a Map value', new Map([['p', new Point(1)]]), /argument 0 of commands\.x: the value value 0 is an instance of Point/],
    ['an Error', new Error('e'), /instance of Error/],
    ['a RegExp', /x/, /instance of RegExp/],
    ['a Buffer', Buffer.from('x'), /instance of Buffer/],
    ['an invalid Date', new Date(NaN), /an invalid Date/],
  ];
  for (const [what, value, pattern] of cases) {
    test(`${what} is refused`, () => {
      assert.throws(() => encodeMessage(message({ command: 'commands.x', args: [value] })), (error: unknown) => {
        assert.ok(error instanceof QueueWriteException);
        assert.match(error.message, pattern);
        return true;
      });
    });
  }

  test('the error names the position of the argument that cannot be sent', () => {
    assert.throws(() => encodeMessage(message({ command: 'commands.x', args: [1, 'ok', [() => 0]] })), /argument 2 of commands\.x: the value\[0\] is a function/);
  });

  test('through the public API the call rejects with QueueWriteException and nothing is enqueued', async () => {
    const { invoker, queue } = memoryInvoker();
    const send = queueCommand(invoker)(function send(value: unknown) {
      return value;
    });
    await send('fine');
    assert.equal(await queue.length(), 1);
    const cyclic: Record<string, unknown> = {};
    cyclic.me = cyclic;
    for (const bad of [() => 1, Symbol('s'), cyclic, new (class Thing {})()]) {
      await assert.rejects(send(bad), (error: unknown) => {
        assert.ok(error instanceof QueueWriteException);
        assert.match(error.message, new RegExp(`argument 0 of ${send.commandName.replace(/[.$/]/g, '\\$&')}`));
        return true;
      });
      await assert.rejects(send.schedule({ args: [bad], delay: 60 }), QueueWriteException);
    }
    assert.equal(await queue.length(), 1, 'nothing more was enqueued');
  });

  test('a result that cannot be sent is refused by encodeOutcome() naming the result', () => {
    assert.throws(() => encodeOutcome({ ok: true, value: () => 1 }, 'the result of commands.x'), /the result of commands\.x: the value is a function/);
  });
});

describe('decodeMessage() rejects a malformed message with QueueReadException keeping the raw text', () => {
  const good = JSON.parse(encodeMessage(message())) as Record<string, unknown>;
  const withField = (key: string, value: unknown): string => JSON.stringify({ ...good, [key]: value });
  const without = (key: string): string => JSON.stringify(Object.fromEntries(Object.entries(good).filter(([k]) => k !== key)));
  const cases: [string, string][] = [
    ['text that is not JSON', 'commands.countBeans:100'],
    ['an empty string', ''],
    ['JSON that is not an object', '[1,2]'],
    ['JSON null', 'null'],
    ['another version', withField('v', 2)],
    ['no version', without('v')],
    ['no id', without('id')],
    ['an empty id', withField('id', '')],
    ['no command', without('command')],
    ['a command that is not a string', withField('command', 7)],
    ['no args', without('args')],
    ['args that are not an array', withField('args', { 0: 1 })],
    ['negative retries', withField('retries', -1)],
    ['fractional retries', withField('retries', 0.5)],
    ['no retries', without('retries')],
    ['a negative retry delay', withField('retryDelay', -1)],
    ['no retry delay', without('retryDelay')],
    ['an eta that is not a date', withField('eta', 'tomorrow-ish')],
    ['no eta (it must be null or a date)', without('eta')],
    ['no enqueue time', without('enqueuedAt')],
    ['an enqueue time of null', withField('enqueuedAt', null)],
    ['an unknown value tag', withField('args', [{ $regexp: 'x' }])],
    ['a $date tag that is not a date', withField('args', [{ $date: 'garbage' }])],
    ['a $date tag that is not a string', withField('args', [{ $date: 5 }])],
    ['a $bigint tag that is not an integer', withField('args', [{ $bigint: '1.5' }])],
    ['a $number tag that is not a non-finite number', withField('args', [{ $number: 'abc' }])],
    ['a $map tag that is not a list of pairs', withField('args', [{ $map: 5 }])],
    ['a $map entry that is not a pair', withField('args', [{ $map: [[1]] }])],
    ['a $set tag that is not a list', withField('args', [{ $set: 'abc' }])],
    ['a $undefined tag that is not true', withField('args', [{ $undefined: 'yes' }])],
    ['an $object tag that is not an object', withField('args', [{ $object: [1] }])],
    ['a bad tag deep inside', withField('args', [{ a: [{ b: { $date: 'nope' } }] }])],
  ];
  for (const [what, raw] of cases) {
    test(`${what} is rejected`, () => {
      assert.throws(() => decodeMessage(raw), (error: unknown) => {
        assert.ok(error instanceof QueueReadException, `got ${String(error)}`);
        assert.equal(error.raw, raw);
        assert.match(error.message, /^Malformed message: /);
        return true;
      });
    });
  }
});

describe('decodeOutcome()', () => {
  test('reads back a stored value and a stored failure', () => {
    assert.deepEqual(decodeOutcome(encodeOutcome({ ok: true, value: new Set([1n]) })), { ok: true, value: new Set([1n]) });
    const failure = { ok: false as const, error: { name: 'TypeError', message: 'boom', stack: 'TypeError: boom\n    at x' } };
    assert.deepEqual(decodeOutcome(encodeOutcome(failure)), failure);
  });

  for (const [what, raw] of [
    ['text that is not JSON', 'oops'],
    ['an envelope of another version', '{"v":9,"ok":true,"value":1}'],
    ['a failure without a message', `{"v":${WIRE_VERSION},"ok":false,"error":{}}`],
    ['a value with a bad tag', `{"v":${WIRE_VERSION},"ok":true,"value":{"$bigint":"x"}}`],
  ] as const) {
    test(`rejects ${what} with QueueReadException keeping the raw text`, () => {
      assert.throws(() => decodeOutcome(raw), (error: unknown) => error instanceof QueueReadException && error.raw === raw);
    });
  }
});
