import { serverOffsetFrom } from '../domain/expiry';
import type { ConsoleStore } from '../store/consoleStore';
import type { HubApi } from './hubApi';
import { runInBackground } from '../domain/runInBackground';

/** How often the hub's clock is measured again between snapshots. */
export const CLOCK_SYNC_INTERVAL_MS = 60_000;

/**
 * Keeps countdowns honest through a long session: the local clock drifts or is stepped by NTP, so the
 * offset measured at the last snapshot goes stale. Re-measured from `/api/health` while connected.
 */
export function startClockSync(store: ConsoleStore, api: Pick<HubApi, 'health'>, now: () => number = () => Date.now()): () => void {
  const measure = async () => {
    if (store.getState().connection !== 'connected') return;
    const sentAt = now();
    try {
      const { serverTime } = await api.health();
      store.getState().setServerOffset(serverOffsetFrom(serverTime, sentAt, now()));
    } catch {
      // A missed measurement keeps the last offset; the next snapshot or tick tries again.
    }
  };
  const timer = setInterval(() => runInBackground(measure()), CLOCK_SYNC_INTERVAL_MS);
  return () => clearInterval(timer);
}
