/**
 * Redis failures are wrapped like the file backend's: one huey error that
 * names the server and the cause. Needs no shared Redis: it talks to a port
 * where nothing listens, and to a redis-server of its own that wants a password.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { test } from 'node:test';
import { RedisBlockingQueue, RedisDataStore } from 'huey/backends/redis';
import { DataStoreGetException, DataStorePutException, QueueReadException, QueueWriteException } from 'huey/exceptions';
import { eventually, freePort } from '../helpers.js';

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

test('a Redis that wants a password: the error names the address and says the credentials were refused', { skip: spawnSync('redis-server', ['--version']).error ? 'no redis-server binary' : false }, async () => {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', 'sesame'], { stdio: 'ignore' });
  const queue = new RedisBlockingQueue('locked', { host: '127.0.0.1', port, password: 'wrong' });
  try {
    await eventually(() => new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => (socket.end(), resolve(true)));
      socket.on('error', () => resolve(false));
    }), 'redis-server to listen');
    await assert.rejects(queue.write('{"id":"a"}'), (error: unknown) =>
      error instanceof QueueWriteException && error.message.startsWith(`Could not write to queue "locked": Redis at 127.0.0.1:${port} refused the credentials (`));
  } finally {
    await queue.close();
    server.kill('SIGKILL');
  }
});
