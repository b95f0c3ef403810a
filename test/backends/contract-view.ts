/**
 * What the contract suite holds a queue by: the queue with every optional
 * interface it may have, and the controls (revocations, locks, leases, dead
 * letters) as the package runs them on it: the backend's own atomic
 * versions, or, with `generic`, always those written once in `controls/`
 * on the queue's control store. The suite runs a backend with its own
 * controls both ways, so the generic path stays the reference.
 */
import type { BaseDataStore, BaseQueue } from 'huey/backends/base';
import type { DeadLetters } from '../../src/backends/dead-letters.js';
import type { FinishAndRead, NextEta, PushedResults, ReadMany } from '../../src/backends/fast-path.js';
import type { Inspection, StoreInspection } from '../../src/backends/inspection.js';
import type { Locks } from '../../src/backends/locks.js';
import type { Revocations } from '../../src/backends/revocations.js';
import { deadLettersOf } from '../../src/controls/dead-letters.js';
import { locksOf } from '../../src/controls/locks.js';
import { revocationsOf } from '../../src/controls/revocations.js';

/** A queue as the suite sees it: each optional member present when the backend (or the package, for controls) has it. */
export type ContractQueue = BaseQueue & Partial<ReadMany & FinishAndRead & NextEta & Inspection> & Partial<DeadLetters & Locks & Revocations>;
/** A data store as the suite sees it. */
export type ContractStore = BaseDataStore & Partial<PushedResults & StoreInspection>;

const CONTROLS = {
  deadLetters: ['deadLetter', 'deadLetters', 'requeueDeadLetter', 'purgeDeadLetters'],
  locks: ['lock', 'renewLock', 'unlock', 'isLocked', 'locks', 'flushLocks', 'lease'],
  revocations: ['revoke', 'restore', 'revoked', 'revocations'],
} as const;
const CONTROL_MEMBERS = new Set<string | symbol>(Object.values(CONTROLS).flat());

/** `queue` with its methods bound to it, and without its own controls when `hide` is set. */
function bound(queue: BaseQueue, hide: boolean): BaseQueue {
  return new Proxy(queue, {
    get(target, property) {
      if (hide && CONTROL_MEMBERS.has(property)) return undefined;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * @param queue - A client of the backend.
 * @param generic - Run the package's generic controls even where the backend has its own.
 */
export function contractView(queue: BaseQueue, generic = false): ContractQueue {
  const base = bound(queue, generic);
  const owners: Record<string, object | undefined> = {};
  for (const member of CONTROLS.deadLetters) owners[member] = deadLettersOf(base);
  for (const member of CONTROLS.locks) owners[member] = locksOf(base);
  for (const member of CONTROLS.revocations) owners[member] = revocationsOf(base);
  return new Proxy(base, {
    get(target, property) {
      if (typeof property === 'string' && CONTROL_MEMBERS.has(property)) {
        const owner = owners[property] as Record<string, (...args: unknown[]) => unknown> | undefined;
        return owner?.[property]?.bind(owner);
      }
      return Reflect.get(target, property);
    },
  }) as ContractQueue;
}
