import { describe, expect, it } from 'vitest';
import { Bucket, type BucketRate } from '../../src/limits/token-bucket.js';

/** 10 at once, 2 back every second. */
const rate: BucketRate = { capacity: 10, refill: 2, everyMs: 1000 };

describe('token bucket', () => {
  it('starts full and allows a burst of its capacity, then refuses', () => {
    const bucket = new Bucket(rate, 0);
    for (let i = 0; i < 10; i++) expect(bucket.take(1, rate, 0)).toBe(true);
    expect(bucket.take(1, rate, 0)).toBe(false);
    expect(bucket.refill(rate, 0)).toBe(0);
  });

  it('refills continuously at its rate, never past its capacity', () => {
    const bucket = new Bucket(rate, 0);
    expect(bucket.take(10, rate, 0)).toBe(true);
    expect(bucket.refill(rate, 250)).toBeCloseTo(0.5);
    expect(bucket.take(1, rate, 250)).toBe(false);
    expect(bucket.take(1, rate, 500)).toBe(true);
    expect(bucket.refill(rate, 500)).toBeCloseTo(0);
    expect(bucket.refill(rate, 60_000)).toBe(10);
    expect(bucket.lastRefill).toBe(60_000);
  });

  it('a refused take spends nothing; a cost above the capacity is never affordable', () => {
    const bucket = new Bucket(rate, 0);
    expect(bucket.take(11, rate, 0)).toBe(false);
    expect(bucket.refill(rate, 0)).toBe(10);
    expect(bucket.take(7, rate, 0)).toBe(true);
    expect(bucket.take(7, rate, 0)).toBe(false);
    expect(bucket.refill(rate, 0)).toBe(3);
  });

  it('drain counts past empty without going below it', () => {
    const bucket = new Bucket(rate, 0);
    bucket.drain(4, rate, 0);
    expect(bucket.refill(rate, 0)).toBe(6);
    bucket.drain(100, rate, 0);
    expect(bucket.refill(rate, 0)).toBe(0);
    expect(bucket.refill(rate, 1000)).toBe(2);
  });

  it('giveBack returns a charge up to the capacity, without reading the clock', () => {
    const bucket = new Bucket(rate, 0);
    expect(bucket.take(4, rate, 0)).toBe(true);
    bucket.giveBack(3, rate);
    expect(bucket.lastRefill).toBe(0);
    expect(bucket.refill(rate, 0)).toBe(9);
    bucket.giveBack(5, rate);
    expect(bucket.refill(rate, 0)).toBe(10);
  });

  it('msUntil says when a cost becomes affordable, capped at a full bucket', () => {
    const bucket = new Bucket(rate, 0);
    expect(bucket.take(10, rate, 0)).toBe(true);
    expect(bucket.msUntil(1, rate)).toBe(500);
    expect(bucket.msUntil(4, rate)).toBe(2000);
    expect(bucket.msUntil(50, rate)).toBe(5000);
    bucket.refill(rate, 5000);
    expect(bucket.msUntil(3, rate)).toBe(0);
  });

  it('a clock that steps back neither refills nor spends, and refilling resumes from the new reading', () => {
    const bucket = new Bucket(rate, 10_000);
    expect(bucket.take(10, rate, 10_000)).toBe(true);
    expect(bucket.refill(rate, 4_000)).toBe(0);
    expect(bucket.lastRefill).toBe(4_000);
    expect(bucket.refill(rate, 5_000)).toBe(2);
    const full = new Bucket(rate, 10_000);
    expect(full.refill(rate, 0)).toBe(10);
  });

  it('uses the rate it is given on each call, so changed limits count at the next refill', () => {
    const bucket = new Bucket(rate, 0);
    expect(bucket.take(10, rate, 0)).toBe(true);
    const faster: BucketRate = { capacity: 4, refill: 8, everyMs: 1000 };
    expect(bucket.refill(faster, 1000)).toBe(4);
    expect(bucket.refill(rate, 2000)).toBe(6);
  });
});
