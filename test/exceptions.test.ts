/**
 * The exceptions: one hierarchy under QueueException, each with its own
 * `name`, keeping `cause` and the raw message text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as exceptions from 'huey/exceptions';
import {
  ConfigurationError,
  DataStoreGetException,
  DataStorePutException,
  DataStoreTimeout,
  QueueException,
  QueueReadException,
  QueueWriteException,
  TaskException,
} from 'huey/exceptions';

const CLASSES = [QueueWriteException, QueueReadException, DataStoreGetException, DataStorePutException, DataStoreTimeout, ConfigurationError] as const;

test('every exception is a QueueException and an Error, catchable with one instanceof', () => {
  for (const Class of [...CLASSES, QueueException]) {
    const error = new Class('went wrong');
    assert.ok(error instanceof QueueException, Class.name);
    assert.ok(error instanceof Error, Class.name);
    assert.equal(error.message, 'went wrong');
  }
  assert.ok(new TaskException('remote failure') instanceof QueueException);
});

test('every class exported by huey/exceptions is in the hierarchy', () => {
  for (const [name, value] of Object.entries(exceptions)) {
    assert.equal(typeof value, 'function', name);
    assert.ok((value as { prototype: object }).prototype instanceof Error, name);
    assert.ok(value === QueueException || (value as { prototype: object }).prototype instanceof QueueException, name);
  }
});

test('each exception has its class name as `name`, shown in its stack', () => {
  for (const Class of [...CLASSES, QueueException]) {
    const error = new Class('went wrong');
    assert.equal(error.name, Class.name);
    assert.match(String(error), new RegExp(`^${Class.name}: went wrong`));
    assert.match(error.stack ?? '', new RegExp(`^${Class.name}: went wrong`));
  }
  assert.equal(new TaskException('x').name, 'TaskException');
});

test('the classes are distinct: a read failure is not a write failure', () => {
  assert.ok(!(new QueueReadException('x') instanceof QueueWriteException));
  assert.ok(!(new DataStoreTimeout('x') instanceof DataStoreGetException));
  assert.ok(!(new ConfigurationError('x') instanceof QueueReadException));
});

test('a wrapped failure keeps the original error as `cause`', () => {
  const original = new Error('ECONNRESET');
  const wrapped = new DataStoreGetException('Could not read the result', { cause: original });
  assert.equal(wrapped.cause, original);
  assert.equal(new QueueException('no cause').cause, undefined);
  assert.equal('cause' in new QueueException('no cause'), false, 'no cause property when there is none');
});

test('an error about one message keeps its raw text', () => {
  assert.equal(new QueueReadException('Malformed message', { raw: 'not json' }).raw, 'not json');
  assert.equal(new QueueException('x').raw, undefined);
});

test('TaskException carries the remote error name, message and stack', () => {
  const error = new TaskException('the beans were cold', 'TypeError', 'TypeError: the beans were cold\n    at countBeans');
  assert.equal(error.message, 'the beans were cold');
  assert.equal(error.remoteName, 'TypeError');
  assert.match(error.remoteStack ?? '', /at countBeans/);
  assert.equal(new TaskException('x').remoteName, 'Error');
  assert.equal(new TaskException('x').remoteStack, undefined);
});

test('a subclass made by users gets its own name too', () => {
  class RateLimited extends QueueException {}
  assert.equal(new RateLimited('slow down').name, 'RateLimited');
});

test('each error class has a stable code of its own, for code that should not match message text', () => {
  const codes = {
    QueueException: 'HUEY_QUEUE',
    QueueWriteException: 'HUEY_QUEUE_WRITE',
    QueueReadException: 'HUEY_QUEUE_READ',
    DataStoreGetException: 'HUEY_STORE_GET',
    DataStorePutException: 'HUEY_STORE_PUT',
    DataStoreTimeout: 'HUEY_STORE_TIMEOUT',
    TaskException: 'HUEY_TASK',
    ConfigurationError: 'HUEY_CONFIGURATION',
    TimeoutError: 'HUEY_TIMEOUT',
    WorkerExitError: 'HUEY_WORKER_EXIT',
  };
  for (const [name, code] of Object.entries(codes)) {
    const Class = (exceptions as unknown as Record<string, new (message: string) => QueueException>)[name]!;
    assert.equal(new Class('x').code, code, name);
  }
});
