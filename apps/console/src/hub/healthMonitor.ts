import type { ConsoleStore } from '../store/consoleStore';
import type { HubApi } from './hubApi';
import { runInBackground } from '../domain/runInBackground';

/** How often the hub's health is asked again while connected. */
export const HEALTH_CHECK_INTERVAL_MS = 10_000;

export interface HealthMonitor {
  /** Asks now (after an `internal` error ack): one check at a time, a request during one runs right after it. */
  checkNow(): void;
  stop(): void;
}

/**
 * Keeps `health` current while connected: a socket that is up says nothing about whether the hub can
 * still write, `/api/health` does (503 `degraded`). Checked on every (re)connect, every 10 s, and on
 * demand; a check that fails to reach the hub keeps what was last known (the socket reports the link).
 */
export function startHealthMonitor(
  store: ConsoleStore,
  api: Pick<HubApi, 'health'>,
  intervalMs: number = HEALTH_CHECK_INTERVAL_MS,
): HealthMonitor {
  let timer: ReturnType<typeof setInterval> | null = null;
  let running = false;
  let again = false;
  let stopped = false;

  const check = async () => {
    if (stopped || store.getState().connection !== 'connected') return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    // An answer for an earlier session (signed out, another token) must not land in this one.
    const token = store.getState().token;
    try {
      const health = await api.health();
      if (!stopped && store.getState().token === token) store.getState().setHealth(health.status, health.reason);
    } catch {
      // Unreachable or unreadable: keep the last known health; the next tick asks again.
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      await check();
    }
  };

  const sync = (connected: boolean) => {
    if (connected && timer === null) {
      runInBackground(check());
      timer = setInterval(() => runInBackground(check()), intervalMs);
    } else if (!connected && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };

  const unsubscribe = store.subscribe((state, previous) => {
    if (state.connection !== previous.connection) sync(state.connection === 'connected');
  });
  sync(store.getState().connection === 'connected');

  return {
    checkNow: () => runInBackground(check()),
    stop: () => {
      stopped = true;
      unsubscribe();
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}
