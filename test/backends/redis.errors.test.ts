/**
 * Redis failures are wrapped like the file backend's: one huey error that
 * names the server and the cause. Needs no Redis: it talks to a port where
 * nothing listens.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RedisBlockingQueue, RedisDataStore } from 'huey/backends/redis';
import { DataStoreGetException, DataStorePutException, QueueReadException, QueueWriteException } from 'huey/exceptions';
import { freePort } from '../helpers.js';

test('a Redis that refuses the connection: write, read and the store reject with huey errors naming host:port and "refused"', async () => {
  const port = await freePort();
  const queue = new RedisBlockingQueue('gone', { host: '127.0.0.1', port });
  const store = new RedisDataStore('gone', { host: '127.0.0.1', port });
  const refused = (Class: new (...args: never[]) => Error, what: string) => (error: unknown) =>
    error instanceof Class && error.message === `${what}: Redis at 127.0.0.1:${port} refused the connection (ECONNREFUSED): is redis-server running there?`;
  try {
    await assert.rejects(queue.write('{"id":"a"}'), refused(QueueWriteException, 'Could not write to queue "gone"'));
    await assert.rejects(queue.read(0), refused(QueueReadException, 'Could not read from queue "gone"'));
    await assert.rejects(queue.length(), refused(QueueReadException, 'Could not read the length of queue "gone"'));
    await assert.rejects(store.put('k', 'v'), refused(DataStorePutException, 'Could not store key "k"'));
    await assert.rejects(store.get('k'), refused(DataStoreGetException, 'Could not get key "k"'));
  } finally {
    await queue.close();
    await store.close();
  }
});
