import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOCK_SYNC_INTERVAL_MS, startClockSync } from '../src/hub/clockSync';
import { T0, syncedStore } from './fixtures';

afterEach(() => {
  vi.useRealTimers();
});

describe('clock re-sync between snapshots', () => {
  it('re-measures the hub clock while connected and keeps the old offset when a measurement fails', async () => {
    vi.useFakeTimers();
    const { store, clock } = syncedStore([], { serverMs: T0 });
    expect(store.getState().serverOffsetMs).toBe(0);
    // The local clock was stepped back 5 s (NTP): the hub now reads 5 s ahead of it.
    let fail = false;
    const api = {
      health: async () => {
        if (fail) throw new Error('down');
        return { status: 'ok' as const, version: 'x', uptimeMs: 1, serverTime: new Date(clock.now() + 5_000).toISOString() };
      },
    };
    const stop = startClockSync(store, api, clock.now);
    await vi.advanceTimersByTimeAsync(CLOCK_SYNC_INTERVAL_MS);
    expect(store.getState().serverOffsetMs).toBe(5_000);
    fail = true;
    await vi.advanceTimersByTimeAsync(CLOCK_SYNC_INTERVAL_MS);
    expect(store.getState().serverOffsetMs).toBe(5_000);
    stop();
  });

  it('does not measure while disconnected', async () => {
    vi.useFakeTimers();
    const { store, clock } = syncedStore([]);
    store.getState().setConnection('reconnecting');
    let calls = 0;
    const stop = startClockSync(store, {
      health: async () => {
        calls++;
        return { status: 'ok' as const, version: 'x', uptimeMs: 1, serverTime: new Date(clock.now()).toISOString() };
      },
    }, clock.now);
    await vi.advanceTimersByTimeAsync(CLOCK_SYNC_INTERVAL_MS * 3);
    expect(calls).toBe(0);
    stop();
  });
});
