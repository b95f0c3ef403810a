/**
 * What one Redis queue object knows, without asking Redis, of the calls it
 * handed out: that nothing was revoked when they were taken. Checking a
 * call against the revocations costs a round trip; it is skipped for
 *
 * - the calls of a claim script (a claim, or a finish that claims) that
 *   found no revocation at all, while `due` handed out nothing after that
 *   script was sent; and
 * - a call a blocking read (`BLMOVE`) took: it takes only from the plain
 *   list, where nothing waits while anything is revoked (see
 *   `./lua.ts`). Known until the call is done with, so a call
 *   held until its eta is checked when it is due.
 *
 * @internal
 * @module
 */
import { namesOf } from '../../core/message.js';
import { taskKey } from '../revocations.js';

/** The most calls taken by blocking reads remembered at once. */
const MAX_TAKEN = 10_000;

/** The revocations a queue object's claims have seen, and the calls its blocking reads took. */
export class Unrevoked {
  /** What the latest claim script to answer said: `none` when it found no revocation, `asOf` {@link #blind} when it was sent. */
  #seen = { asOf: -1, none: false };
  /** Counts the messages `due` handed out, which does not learn whether anything is revoked. */
  #blind = 0;
  /** The messages blocking reads took, each with its revocation key (`task:<id>`). */
  readonly #taken = new Map<string, string>();

  /**
   * A claim script is sent; call what this returns with its answer (1 or
   * 0: whether any revocation exists) before handing out its messages.
   */
  claimSent(): (revocations: number) => void {
    const asOf = this.#blind;
    // replies come in order: the answer recorded last is the latest claim's
    return (revocations) => void (this.#seen = { asOf, none: revocations === 0 });
  }

  /** `due` handed out messages: what claims sent before saw does not hold for them. */
  handedBlind(): void {
    this.#blind++;
  }

  /** A blocking read took `data` from the plain list: nothing was revoked then. */
  takenByBlockingRead(data: string): void {
    const { taskId } = namesOf(data);
    if (taskId === undefined) return;
    // only a shortcut: forgetting them costs round trips, never a wrong answer
    if (this.#taken.size >= MAX_TAKEN) this.#taken.clear();
    this.#taken.set(data, taskKey(taskId));
  }

  /** `data` is done with (acknowledged, finished, dead-lettered or held in the schedule). */
  forget(data: string): void {
    this.#taken.delete(data);
  }

  /** Forgets every call (the queue object closes). */
  clear(): void {
    this.#taken.clear();
  }

  /**
   * Whether the call whose revocation key is `key` is known to have been
   * taken while nothing was revoked; a call taken by a blocking read is
   * known once.
   */
  known(key: string | undefined): boolean {
    for (const [data, taken] of this.#taken) {
      if (taken !== key) continue;
      this.#taken.delete(data);
      return true;
    }
    return this.#seen.asOf === this.#blind && this.#seen.none;
  }
}
