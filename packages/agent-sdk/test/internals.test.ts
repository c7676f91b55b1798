import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/client/backoff.js';
import { RecentIds } from '../src/client/recent-ids.js';

describe('RecentIds', () => {
  it('forgets the oldest id beyond its capacity, and re-adding refreshes an id', () => {
    const ids = new RecentIds(2);
    ids.add('a');
    ids.add('b');
    ids.add('a');
    ids.add('c');

    expect(['a', 'b', 'c'].filter((id) => ids.has(id))).toEqual(['a', 'c']);
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap, with jitter between half and all of it', () => {
    const backoff = { initialDelayMs: 100, maxDelayMs: 1000 };
    for (let i = 0; i < 50; i++) {
      expect(backoffDelay(0, backoff)).toBeGreaterThanOrEqual(50);
      expect(backoffDelay(0, backoff)).toBeLessThanOrEqual(100);
      expect(backoffDelay(2, backoff)).toBeGreaterThanOrEqual(200);
      expect(backoffDelay(2, backoff)).toBeLessThanOrEqual(400);
      expect(backoffDelay(30, backoff)).toBeLessThanOrEqual(1000);
    }
  });
});
