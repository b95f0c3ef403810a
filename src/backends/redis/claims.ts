/**
 * What one Redis queue object has claimed, and the repair after a dropped
 * connection. A claim moves messages into the consumer's processing list
 * in Redis; when its reply is lost with the connection, they sit there
 * unknown to this object, and only its release at `close()` or its death
 * would give them back. So after a drop the next claim first runs a
 * repair, which puts back every message of the processing list this
 * object does not know, and the repair first waits (a while) for the
 * claims in flight, whose messages this object will know.
 *
 * @internal
 * @module
 */

/** The longest the repair after a dropped connection waits for claims in flight, in ms. */
const SETTLE_WAIT_MS = 10_000;

/** The messages a queue object holds, and the claims it has in flight. */
export class Claims {
  /** Messages handed out by reads and `due`, not yet acknowledged. */
  readonly held = new Set<string>();
  /** Messages whose acknowledgement failed: acknowledged again by the repair, before the next claim. */
  readonly unacked = new Set<string>();
  /** Messages claimed ahead (prefetch) and not handed out yet, oldest first. */
  readonly ahead: string[] = [];
  readonly #repair: () => Promise<void>;
  /** Claims (scripts or blocking moves) whose reply has not arrived. */
  #inFlight = 0;
  #idle: (() => void)[] = [];
  /** Set when a connection dropped (or an ack failed): a claim's reply may have been lost. */
  #suspect = false;
  #settling: Promise<void> | undefined;

  /**
   * @param repair - Finishes the failed acknowledgements, then puts back
   *   every message of the processing list that is neither held nor ahead.
   */
  constructor(repair: () => Promise<void>) {
    this.#repair = repair;
  }

  /** Records a message as handed out, and returns it. */
  hand(data: string): string {
    this.held.add(data);
    return data;
  }

  /** A connection dropped, or an acknowledgement failed: the next claim repairs first. */
  suspect(): void {
    this.#suspect = true;
  }

  /** Runs a claim, after the repair when one is due, counted so that a repair can wait for it. */
  async claiming<T>(claim: () => Promise<T>): Promise<T> {
    while (this.#suspect || this.#settling) await this.#settle();
    this.#inFlight++;
    try {
      return await claim();
    } finally {
      if (--this.#inFlight === 0) for (const wake of this.#idle.splice(0)) wake();
    }
  }

  /** Runs the repair once, however many claims wait for it. */
  #settle(): Promise<void> {
    this.#settling ??= (async () => {
      // wait for the claims in flight, whose messages this object will hold; not forever: a reclaim
      // that runs beside a claim can at worst hand its message out twice, never lose it
      const deadline = Date.now() + SETTLE_WAIT_MS;
      while (this.#inFlight > 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadline - Date.now());
          this.#idle.push(() => (clearTimeout(timer), resolve()));
        });
      }
      this.#suspect = false;
      try {
        await this.#repair();
      } catch (error) {
        this.#suspect = true;
        throw error;
      }
    })().finally(() => {
      this.#settling = undefined;
    });
    return this.#settling;
  }
}
