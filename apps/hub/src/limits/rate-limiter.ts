import type { Clock } from '../runtime/clock.js';
import { Bucket, type BucketRate } from './token-bucket.js';

/** A token bucket: `ratePerSecond` sustained, `burst` at once. */
export class TokenBucket {
  readonly #rate: BucketRate;
  readonly #bucket: Bucket;

  constructor(
    ratePerSecond: number,
    burst: number,
    private readonly clock: Pick<Clock, 'now'> = { now: () => performance.now() },
  ) {
    this.#rate = { capacity: burst, refill: ratePerSecond, everyMs: 1000 };
    this.#bucket = new Bucket(this.#rate, clock.now());
  }

  take(): boolean {
    return this.#bucket.take(1, this.#rate, this.clock.now());
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
