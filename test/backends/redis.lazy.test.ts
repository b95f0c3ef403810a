/**
 * Importing huey, huey/queue or the other backends must not load ioredis:
 * only huey/backends/redis does. Checked in a fresh process, whose module
 * cache holds nothing but what those imports loaded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFixture } from './redis-helpers.js';

test('importing huey, huey/queue and the memory and file backends loads no ioredis module; huey/backends/redis does', async () => {
  const fixture = startFixture('redis-lazy', []);
  assert.equal(await fixture.exited, 0);
  const { before, after } = JSON.parse(fixture.lines[0]!) as { before: string[]; after: string[] };
  assert.deepEqual(before, []);
  assert.ok(after.length > 0, 'the check sees ioredis once the Redis backend is imported');
});
