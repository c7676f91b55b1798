/** Re-check at least this often, so a wall clock that jumps forward is noticed within a second. */
const MAX_SLEEP_MS = 1000;
const RETRY_MS = 1000;

/**
 * One timer for the earliest pending deadline. The database is the index (`next()`); memory holds only the timer and
 * the earliest time it knows of, so nothing is lost or doubled across restarts. The database is read when that time
 * comes (what fell due, then the next), not on the once-a-second clock check: every later deadline reaches the timer
 * through `consider` (this node's requests, and other nodes' from their change notices), and `rearm` re-reads the
 * earliest when notices may have been missed.
 */
export class DeadlineTimer {
  readonly #now: () => number;
  readonly #next: () => Promise<number | null>;
  readonly #fire: () => Promise<unknown>;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | null = null;
  #wakeAt = Number.POSITIVE_INFINITY;
  #running = false;
  #firing = false;

  constructor(options: { now: () => number; next: () => Promise<number | null>; fire: () => Promise<unknown>; onError: (error: unknown) => void }) {
    this.#now = options.now;
    this.#next = options.next;
    this.#fire = options.fire;
    this.#onError = options.onError;
  }

  start(): void {
    this.#running = true;
    this.#arm().catch((error: unknown) => this.#onError(error));
  }

  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Re-reads the earliest deadline from the database (changes may have been missed), unless a pass is running. */
  rearm(): void {
    if (this.#running && !this.#firing) this.#arm().catch((error: unknown) => this.#onError(error));
  }

  /** A new deadline: wake earlier if it comes before the current one. */
  consider(at: number): void {
    if (this.#running && !this.#firing && at < this.#wakeAt) this.#schedule(at);
  }

  async #arm(): Promise<void> {
    let next: number | null;
    try {
      next = await this.#next();
    } catch (error) {
      this.#onError(error);
      next = this.#now() + RETRY_MS;
    }
    // A deadline considered while the read was out (committed after it looked) may come before what it found.
    const at = Math.min(next ?? Number.POSITIVE_INFINITY, this.#wakeAt);
    if (at === Number.POSITIVE_INFINITY) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      return;
    }
    this.#schedule(at);
  }

  #schedule(at: number): void {
    if (!this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#wakeAt = at;
    const delay = Math.max(0, Math.min(at - this.#now(), MAX_SLEEP_MS));
    this.#timer = setTimeout(() => this.#tick().catch((error: unknown) => this.#onError(error)), delay);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    this.#timer = null;
    // Woken only to look at the clock again: nothing known is due yet, so nothing is read.
    if (this.#now() < this.#wakeAt) {
      this.#schedule(this.#wakeAt);
      return;
    }
    this.#wakeAt = Number.POSITIVE_INFINITY;
    // The earliest may have been decided meanwhile: then the pass finds nothing due, for the read a check would cost.
    this.#firing = true;
    try {
      await this.#fire();
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#firing = false;
    }
    if (this.#running) await this.#arm();
  }
}
