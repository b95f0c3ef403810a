import { MemoryDataStore, MemoryQueue, DummyQueue, DummyDataStore } from 'huey/backends/memory';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendContract } from './contract.js';

backendContract({
  name: 'memory',
  async open() {
    // one process is the whole world of the memory backend: clients of one name share one instance
    const queues = new Map<string, MemoryQueue>();
    const stores = new Map<string, MemoryDataStore>();
    return {
      queue: (name) => queues.get(name) ?? queues.set(name, new MemoryQueue(name)).get(name)!,
      store: (name) => stores.get(name) ?? stores.set(name, new MemoryDataStore(name)).get(name)!,
    };
  },
});

test('DummyQueue and DummyDataStore are huey 0.2 names of the memory backend', () => {
  assert.equal(DummyQueue, MemoryQueue);
  assert.equal(DummyDataStore, MemoryDataStore);
});

test('close() wakes a blocked read() of a memory queue with null', async () => {
  const queue = new MemoryQueue('closing');
  const reading = queue.read(60_000);
  await queue.close();
  assert.equal(await reading, null);
});
