/**
 * Revocations and locks kept in one process's memory: the memory queue's
 * share of the contract's control members, and the reference a new
 * backend can be read against.
 *
 * @internal
 * @module
 */
import type { Revocation, RevocationEntry } from '../base.js';

/** Revocations by key (`task:<id>`, `command:<name>`). */
export class MemoryRevocations {
  readonly #kept = new Map<string, Revocation>();

  revoke(key: string, revocation: Revocation): void {
    this.#kept.set(key, { ...revocation });
  }

  restore(key: string): boolean {
    return this.#kept.delete(key);
  }

  /** The first of `keys` revoked at `now`; a `once` one found is taken away, an ended one dropped. */
  revoked(keys: string[], now: Date): string | null {
    if (this.#kept.size === 0) return null;
    for (const key of keys) {
      const found = this.#kept.get(key);
      if (found === undefined) continue;
      if (found.until !== null && found.until.getTime() <= now.getTime()) {
        this.#kept.delete(key);
        continue;
      }
      if (found.once) this.#kept.delete(key);
      return key;
    }
    return null;
  }

  revocations(now: Date): RevocationEntry[] {
    return [...this.#kept]
      .filter(([, found]) => found.until === null || found.until.getTime() > now.getTime())
      .map(([key, found]) => ({ key, until: found.until, once: found.once }));
  }
}

/** Locks by name, each held by a token until its lease ends. */
export class MemoryLocks {
  readonly #held = new Map<string, { token: string; until: number }>();

  lock(name: string, token: string, ttlMs: number): boolean {
    if (this.isLocked(name)) return false;
    this.#held.set(name, { token, until: Date.now() + ttlMs });
    return true;
  }

  renewLock(name: string, token: string, ttlMs: number): boolean {
    const held = this.#held.get(name);
    if (held?.token !== token || held.until <= Date.now()) return false;
    held.until = Date.now() + ttlMs;
    return true;
  }

  unlock(name: string, token: string): boolean {
    if (this.#held.get(name)?.token !== token) return false;
    return this.#held.delete(name);
  }

  isLocked(name: string): boolean {
    const held = this.#held.get(name);
    if (held === undefined) return false;
    if (held.until > Date.now()) return true;
    this.#held.delete(name);
    return false;
  }

  locks(): string[] {
    return [...this.#held.keys()].filter((name) => this.isLocked(name));
  }

  flush(): number {
    const count = this.locks().length;
    this.#held.clear();
    return count;
  }
}
