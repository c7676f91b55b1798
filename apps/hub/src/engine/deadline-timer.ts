/** Re-check at least this often, so a wall clock that jumps forward is noticed within a second. */
const MAX_SLEEP_MS = 1000;
const RETRY_MS = 1000;

/**
 * One timer for the earliest pending deadline. The database is the index (`next()`); memory holds only
 * the timer, so nothing is lost or doubled across restarts.
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
    if (next === null) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      this.#wakeAt = Number.POSITIVE_INFINITY;
      return;
    }
    this.#schedule(next);
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
    this.#wakeAt = Number.POSITIVE_INFINITY;
    if (this.#now() >= (await this.#peek())) {
      this.#firing = true;
      try {
        await this.#fire();
      } catch (error) {
        this.#onError(error);
      } finally {
        this.#firing = false;
      }
    }
    if (this.#running) await this.#arm();
  }

  async #peek(): Promise<number> {
    try {
      return (await this.#next()) ?? Number.POSITIVE_INFINITY;
    } catch {
      return 0;
    }
  }
}
