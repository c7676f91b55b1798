import type { Clock } from '../runtime/clock.js';

/** A token bucket: `ratePerSecond` sustained, `burst` at once. */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: Pick<Clock, 'now'> = { now: () => performance.now() },
  ) {
    this.#tokens = burst;
    this.#last = clock.now();
  }

  take(): boolean {
    const now = this.clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.ratePerSecond);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** One bucket per key (a token's principal for REST), forgotten after a quiet spell. */
export class KeyedRateLimiter {
  readonly #buckets = new Map<string, { bucket: TokenBucket; seen: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {}

  take(key: string): boolean {
    const now = performance.now();
    let entry = this.#buckets.get(key);
    if (!entry) {
      if (this.#buckets.size > 10_000) this.#sweep(now);
      entry = { bucket: new TokenBucket(this.ratePerSecond, this.burst), seen: now };
      this.#buckets.set(key, entry);
    }
    entry.seen = now;
    return entry.bucket.take();
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#buckets) if (now - entry.seen > 60_000) this.#buckets.delete(key);
  }
}
