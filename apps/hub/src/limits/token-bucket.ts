/**
 * How fast a bucket refills and how much it holds. Passed on every call rather than kept, because the limits behind
 * it can change while the hub runs (a config reload) and the next refill must use the new ones.
 */
export interface BucketRate {
  /** The most the bucket holds: the burst. */
  capacity: number;
  /** What comes back every `everyMs` (requests per second, failures or bytes per minute). */
  refill: number;
  everyMs: number;
}

/**
 * The token-bucket arithmetic every limit in the hub shares (request rates, failed authentications, bytes written):
 * a level that starts full, refills continuously at a rate up to a capacity, and is spent by what it allows.
 * Times are milliseconds from one monotonic clock (`performance.now()` unless a test injects one). A reading earlier
 * than the last one refills nothing, and the bucket continues from the new reading: a clock that steps back can
 * neither mint tokens nor take them away.
 */
export class Bucket {
  #tokens: number;
  #last: number;

  /** A full bucket, as of `now`. */
  constructor(rate: BucketRate, now: number) {
    this.#tokens = rate.capacity;
    this.#last = now;
  }

  /** When the bucket last refilled (or was made): how long it has been left alone. */
  get lastRefill(): number {
    return this.#last;
  }

  /** Refills for the time since the last call and returns the level at `now`. */
  refill(rate: BucketRate, now: number): number {
    const elapsed = Math.max(0, now - this.#last);
    this.#tokens = Math.min(rate.capacity, this.#tokens + (elapsed / rate.everyMs) * rate.refill);
    this.#last = now;
    return this.#tokens;
  }

  /** Refills, then spends `cost` if the bucket holds that much; false (and nothing spent) otherwise. */
  take(cost: number, rate: BucketRate, now: number): boolean {
    if (this.refill(rate, now) < cost) return false;
    this.#tokens -= cost;
    return true;
  }

  /** Refills, then spends `cost` whatever the level, down to empty at most (counting what is refused anyway). */
  drain(cost: number, rate: BucketRate, now: number): void {
    this.#tokens = Math.max(0, this.refill(rate, now) - cost);
  }

  /** Puts back what a call took but did not use, up to the capacity. Not a refill: the clock is not read. */
  giveBack(amount: number, rate: BucketRate): void {
    this.#tokens = Math.min(rate.capacity, this.#tokens + amount);
  }

  /**
   * Milliseconds until the level, as of the last refill, reaches `cost` (capped at the capacity: a cost above it is
   * never affordable, and waiting for a full bucket is the honest answer). Zero when it already holds that much.
   */
  msUntil(cost: number, rate: BucketRate): number {
    return Math.max(0, ((Math.min(cost, rate.capacity) - this.#tokens) / rate.refill) * rate.everyMs);
  }
}
