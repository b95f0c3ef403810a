import { BaseDataStore, BaseQueue, EmptyData } from 'huey/backends/base';

// The "server": one entry per name, shared by every client of that name.
const queues = new Map();
const stores = new Map();
const queueState = (name) => queues.get(name) ?? queues.set(name, { waiting: [], claimed: new Set() }).get(name);
const storeState = (name) => stores.get(name) ?? stores.set(name, new Map()).get(name);

export class ListQueue extends BaseQueue {
  // read() answers at once, so the consumer polls (INITIAL_DELAY, BACKOFF, MAX_DELAY)
  blocking = false;

  // where the package keeps revocations, locks, leases and dead letters
  controlStore = new ListDataStore(`${this.name}.controls`);

  // append a message (a string; its JSON has a unique id)
  async write(data) {
    queueState(this.name).waiting.push(data);
  }

  // take the oldest message, or null; never throw for an empty queue
  async read() {
    const state = queueState(this.name);
    const data = state.waiting.shift();
    if (data === undefined) return null;
    state.claimed.add(data); // taken, not forgotten: until ack()
    return data;
  }

  async flush() {
    queueState(this.name).waiting.length = 0;
  }

  async length() {
    return queueState(this.name).waiting.length;
  }

  // optional: the call of `data` is done; forget it
  async ack(data) {
    queueState(this.name).claimed.delete(data);
  }
}

export class ListDataStore extends BaseDataStore {
  // a value with a time to live reads as empty once it has passed
  #live(key) {
    const values = storeState(this.name);
    const found = values.get(key);
    if (found !== undefined && found.until <= Date.now()) values.delete(key);
    return values.get(key);
  }

  async put(key, value, ttlMs) {
    storeState(this.name).set(key, { value, until: ttlMs === undefined ? Infinity : Date.now() + ttlMs });
  }

  // read and delete in one step; EmptyData when there is nothing
  async get(key) {
    const found = this.#live(key);
    storeState(this.name).delete(key);
    return found === undefined ? EmptyData : found.value;
  }

  async peek(key) {
    return this.#live(key)?.value ?? EmptyData;
  }

  // one step: of several clients, one stores (locks and leases are made of this)
  async putIfEmpty(key, value, ttlMs) {
    if (this.#live(key) !== undefined) return false;
    await this.put(key, value, ttlMs);
    return true;
  }

  async keys(prefix) {
    return [...storeState(this.name).keys()].filter((key) => key.startsWith(prefix) && this.#live(key) !== undefined);
  }

  async flush() {
    storeState(this.name).clear();
  }
}
