/**
 * The memory queue's waiting messages: one first-in, first-out list per
 * priority, the highest priority first. With every message at priority 0
 * (the usual case) it is one list and costs what a plain list costs.
 *
 * @internal
 * @module
 */
import { messagePriority } from '../../core/message.js';

/** A first-in, first-out list with O(1) push and shift. */
export class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  unshift(item: T): void {
    if (this.#head > 0) this.#items[--this.#head] = item;
    else this.#items.unshift(item);
  }
  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head++];
    // compact once the consumed prefix dominates, keeping shift amortised O(1)
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i]!;
  }
}

/** Messages by priority, highest first; equal priorities first in, first out. */
export class PriorityLevels {
  /** The list of priority 0, kept apart so that the usual case is one list. */
  readonly #plain = new Fifo<string>();
  /** The other priorities' lists, highest first; empty ones are dropped. */
  #levels: { priority: number; items: Fifo<string> }[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Appends a message at the tail of its priority's list. */
  push(data: string): void {
    this.#length++;
    const priority = messagePriority(data);
    if (priority === 0) return this.#plain.push(data);
    let i = 0;
    while (i < this.#levels.length && this.#levels[i]!.priority > priority) i++;
    if (this.#levels[i]?.priority !== priority) this.#levels.splice(i, 0, { priority, items: new Fifo() });
    this.#levels[i]!.items.push(data);
  }

  /** Takes the head of the highest priority's list. */
  shift(): string | undefined {
    if (this.#levels.length === 0) {
      const data = this.#plain.shift();
      if (data !== undefined) this.#length--;
      return data;
    }
    for (const [i, level] of this.#levels.entries()) {
      if (level.priority < 0 && this.#plain.length > 0) break;
      const data = level.items.shift()!;
      if (level.items.length === 0) this.#levels.splice(i, 1);
      this.#length--;
      return data;
    }
    const data = this.#plain.shift();
    if (data !== undefined) this.#length--;
    return data;
  }

  clear(): void {
    this.#plain.clear();
    this.#levels = [];
    this.#length = 0;
  }

  /** Every message, in the order `shift` would take them. */
  *[Symbol.iterator](): IterableIterator<string> {
    for (const level of this.#levels) if (level.priority > 0) yield* level.items;
    yield* this.#plain;
    for (const level of this.#levels) if (level.priority < 0) yield* level.items;
  }
}
