import { describe, expect, it } from 'vitest';
import { expiryPhase, formatAge, formatDuration, secondsLeft, serverNow, serverOffsetFrom } from '../src/domain/expiry';
import { createTicker } from '../src/clock/ticker';
import { T0, fakeClock, pending, syncedStore } from './fixtures';

describe('countdown from the hub clock', () => {
  it('pins serverTime to the middle of the subscribe round trip', () => {
    expect(serverOffsetFrom(new Date(T0 + 10_000).toISOString(), T0, T0 + 400)).toBe(9_800);
    expect(serverOffsetFrom(new Date(T0 - 3_000).toISOString(), T0, T0)).toBe(-3_000);
  });

  it('counts down by the hub clock, not the local one', () => {
    // The hub is 20 s ahead of this machine: a request with 45 s left by the hub's clock.
    const record = pending({ createdMs: T0, timeoutMs: 65_000 });
    const { store, clock } = syncedStore([record], { serverMs: T0 + 20_000 });
    const state = store.getState();
    const item = state.items.get(record.requestId)!;
    const now = () => serverNow(store.getState().serverOffsetMs, clock.now());
    expect(secondsLeft(item.expiresMs, now())).toBe(45);
    expect(expiryPhase(item.expiresMs, now())).toBe('normal');
    clock.advance(15_000);
    expect(secondsLeft(item.expiresMs, now())).toBe(30);
    expect(expiryPhase(item.expiresMs, now())).toBe('urgent');
    clock.advance(29_999);
    expect(secondsLeft(item.expiresMs, now())).toBe(1);
    expect(store.getState().checkActionable(record.requestId).ok).toBe(true);
    clock.advance(1);
    expect(expiryPhase(item.expiresMs, now())).toBe('expired');
    // Locked at once: the store refuses to send, whatever the buttons show.
    expect(store.getState().checkActionable(record.requestId)).toEqual({ ok: false, reason: 'This request has expired.' });
  });

  it('a hub clock behind the local one gives more time, not less', () => {
    const record = pending({ createdMs: T0, timeoutMs: 60_000 });
    const { store, clock } = syncedStore([record], { serverMs: T0 - 30_000 });
    clock.advance(70_000); // 70 s by the local clock, 40 s by the hub's
    expect(store.getState().checkActionable(record.requestId).ok).toBe(true);
  });

  it('formats durations and ages', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(245)).toBe('4m 05s');
    expect(formatDuration(3720)).toBe('1h 02m');
    expect(formatAge(59_999)).toBe('59s');
    expect(formatAge(61_000)).toBe('1m');
  });

  it('the shared ticker runs only while someone listens and keeps `now` stable between ticks', () => {
    const clock = fakeClock();
    const ticker = createTicker(1000, clock.now);
    clock.advance(5000);
    const first = ticker.now();
    expect(ticker.now()).toBe(first);
    const stop = ticker.subscribe(() => {});
    clock.advance(10);
    expect(ticker.now()).toBe(first); // stable until the next tick
    stop();
  });
});
