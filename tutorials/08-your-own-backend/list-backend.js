import { BaseDataStore, BaseQueue, EmptyData } from 'huey/backends/base';

// The "server": one entry per queue name, shared by every client of that name.
const queues = new Map();
const stores = new Map();
const queueState = (name) => queues.get(name) ?? queues.set(name, { waiting: [], claimed: new Set(), dead: [] }).get(name);
const storeState = (name) => stores.get(name) ?? stores.set(name, new Map()).get(name);

export class ListQueue extends BaseQueue {
  // read() answers at once, so the consumer polls (INITIAL_DELAY, BACKOFF, MAX_DELAY)
  blocking = false;

  // required: append a message (a string; its JSON has a unique id)
  async write(data) {
    queueState(this.name).waiting.push(data);
  }

  // required: take the oldest message, or null; never throw for an empty queue
  async read() {
    const state = queueState(this.name);
    const data = state.waiting.shift();
    if (data === undefined) return null;
    state.claimed.add(data); // taken, not forgotten: until ack()
    return data;
  }

  // required: remove every waiting message
  async flush() {
    queueState(this.name).waiting.length = 0;
  }

  // required: how many wait
  async length() {
    return queueState(this.name).waiting.length;
  }

  // optional: the call of `data` is done; forget it
  async ack(data) {
    queueState(this.name).claimed.delete(data);
  }

  // optional: keep what cannot run, with the reason
  async deadLetter(data, reason) {
    queueState(this.name).dead.push({ data, reason, at: new Date() });
  }

  async deadLetters() {
    return [...queueState(this.name).dead];
  }
}

export class ListDataStore extends BaseDataStore {
  async put(key, value) {
    storeState(this.name).set(key, value);
  }

  // read and delete in one step; EmptyData when there is nothing
  async get(key) {
    const values = storeState(this.name);
    if (!values.has(key)) return EmptyData;
    const value = values.get(key);
    values.delete(key);
    return value;
  }

  async flush() {
    storeState(this.name).clear();
  }
}
