import type { HealthResponse } from '@approval-hub/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HEALTH_CHECK_INTERVAL_MS, startHealthMonitor } from '../src/hub/healthMonitor';
import { createHubApi } from '../src/hub/hubApi';
import { HubRequestError, createRestClient } from '../src/hub/restClient';
import { connectionLabel } from '../src/store/connectionSlice';
import { syncedStore } from './fixtures';

const OK: HealthResponse = { status: 'ok', version: '1.2.3', serverTime: new Date(0).toISOString(), uptimeMs: 1 };
const DEGRADED: HealthResponse = { ...OK, status: 'degraded', reason: 'database writes failing' };

function apiAnswering(status: number, body: unknown) {
  const calls: string[] = [];
  const fetchImpl: typeof fetch = async (input) => {
    calls.push(String(input));
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
  return { api: createHubApi(createRestClient({ getToken: () => 't', fetchImpl })), calls };
}

/** A health endpoint the test scripts answer by answer; each call waits for the test to answer it. */
function scriptedHealth() {
  const waiting: Array<{ resolve: (h: HealthResponse) => void; reject: (e: unknown) => void }> = [];
  return {
    api: { health: () => new Promise<HealthResponse>((resolve, reject) => waiting.push({ resolve, reject })) },
    get calls() {
      return waiting.length;
    },
    answer(index: number, health: HealthResponse | Error) {
      const call = waiting[index];
      if (!call) throw new Error(`no health call #${index}`);
      if (health instanceof Error) call.reject(health);
      else call.resolve(health);
    },
  };
}

const label = (store: ReturnType<typeof syncedStore>['store']) => connectionLabel(store.getState().connection, store.getState().health);

afterEach(() => {
  vi.useRealTimers();
});

describe('GET /api/health', () => {
  it('reads a 503 as the degraded answer it is, with its reason', async () => {
    const { api, calls } = apiAnswering(503, DEGRADED);
    await expect(api.health()).resolves.toEqual(DEGRADED);
    expect(calls).toEqual(['/api/health']);
  });

  it('still throws for a 503 whose body is not a health answer, and for a 503 elsewhere', async () => {
    await expect(apiAnswering(503, { nope: true }).api.health()).rejects.toMatchObject({ code: 'bad_response', status: 503 });
    const other = apiAnswering(503, { ok: false, error: { code: 'internal', message: 'down' } }).api.me();
    await expect(other).rejects.toBeInstanceOf(HubRequestError);
    await expect(other).rejects.toMatchObject({ code: 'internal', status: 503 });
  });
});

describe('hub health in the connection indicator', () => {
  it('says "Hub degraded: <reason>" instead of "Connected" only while connected', () => {
    expect(connectionLabel('connected', { status: 'ok' })).toBe('Connected');
    expect(connectionLabel('connected', { status: 'degraded', reason: 'database writes failing' })).toBe('Hub degraded: database writes failing');
    expect(connectionLabel('connected', { status: 'degraded', reason: null })).toBe('Hub degraded');
    expect(connectionLabel('reconnecting', { status: 'degraded', reason: 'database writes failing' })).toBe('Reconnecting…');
  });

  it('checks on connect and every 10 s, shows degraded, and recovers by itself', async () => {
    vi.useFakeTimers();
    const { store } = syncedStore();
    const health = scriptedHealth();
    const monitor = startHealthMonitor(store, health.api);
    expect(health.calls).toBe(1); // connected already: checked at once
    health.answer(0, DEGRADED);
    await vi.advanceTimersByTimeAsync(0);
    expect(label(store)).toBe('Hub degraded: database writes failing');
    // Decisions are not locked by it.
    expect(store.getState().connection).toBe('connected');

    await vi.advanceTimersByTimeAsync(HEALTH_CHECK_INTERVAL_MS - 1);
    expect(health.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(health.calls).toBe(2);
    health.answer(1, OK);
    await vi.advanceTimersByTimeAsync(0);
    expect(label(store)).toBe('Connected');
    monitor.stop();
  });

  it('re-checks right away on demand (an `internal` ack), one check at a time', async () => {
    vi.useFakeTimers();
    const { store } = syncedStore();
    const health = scriptedHealth();
    const monitor = startHealthMonitor(store, health.api);
    health.answer(0, OK);
    await vi.advanceTimersByTimeAsync(0);

    monitor.checkNow();
    monitor.checkNow(); // while the first is out: folded into one more check after it
    monitor.checkNow();
    expect(health.calls).toBe(2);
    health.answer(1, OK);
    await vi.advanceTimersByTimeAsync(0);
    expect(health.calls).toBe(3);
    health.answer(2, DEGRADED);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().health).toEqual({ status: 'degraded', reason: 'database writes failing' });
    monitor.stop();
  });

  it('keeps the last known health when the hub cannot be reached, and does not ask while disconnected', async () => {
    vi.useFakeTimers();
    const { store } = syncedStore();
    const health = scriptedHealth();
    const monitor = startHealthMonitor(store, health.api);
    health.answer(0, DEGRADED);
    await vi.advanceTimersByTimeAsync(HEALTH_CHECK_INTERVAL_MS);
    health.answer(1, new HubRequestError('network', 'The hub could not be reached.', null));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().health.status).toBe('degraded');

    store.getState().setConnection('reconnecting');
    await vi.advanceTimersByTimeAsync(HEALTH_CHECK_INTERVAL_MS * 3);
    monitor.checkNow();
    expect(health.calls).toBe(2);
    expect(label(store)).toBe('Reconnecting…');

    // Back: asked again at once.
    store.getState().setConnection('connected');
    expect(health.calls).toBe(3);
    health.answer(2, OK);
    await vi.advanceTimersByTimeAsync(0);
    expect(label(store)).toBe('Connected');
    monitor.stop();
  });

  it('drops an answer that belongs to a session since ended', async () => {
    vi.useFakeTimers();
    const { store } = syncedStore();
    const health = scriptedHealth();
    const monitor = startHealthMonitor(store, health.api);
    store.getState().signIn('another-token');
    health.answer(0, DEGRADED);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().health).toEqual({ status: 'ok' });
    monitor.stop();
  });

  it('keeps the reason short and as text', () => {
    const { store } = syncedStore();
    store.getState().setHealth('degraded', `  ${'x'.repeat(500)}  `);
    const health = store.getState().health;
    expect(health.status === 'degraded' && health.reason?.length).toBe(200);
    store.getState().setHealth('degraded', '   ');
    expect(store.getState().health).toEqual({ status: 'degraded', reason: null });
  });
});
