import type { ConsoleSlice } from './types';

/**
 * `connected` means subscribed and in sync with the hub's snapshot, not merely a socket that is up:
 * decisions are only allowed then.
 */
export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline';

export const CONNECTION_LABELS: Record<ConnectionStatus, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

/** What `GET /api/health` last said; `ok` until it says otherwise. */
export type HubHealth = { readonly status: 'ok' } | { readonly status: 'degraded'; readonly reason: string | null };

const HEALTH_OK: HubHealth = { status: 'ok' };
const MAX_REASON_LENGTH = 200;

/**
 * The indicator's words. A hub that is connected but cannot write is not "Connected": decisions stay
 * possible (the hub answers `internal` to what it cannot record), the reviewer should know why they fail.
 */
export function connectionLabel(connection: ConnectionStatus, health: HubHealth): string {
  if (connection !== 'connected' || health.status === 'ok') return CONNECTION_LABELS[connection];
  return health.reason ? `Hub degraded: ${health.reason}` : 'Hub degraded';
}

export interface ConnectionSlice {
  readonly connection: ConnectionStatus;
  /** Hub clock minus local clock, measured at the last snapshot. */
  readonly serverOffsetMs: number;
  /** Local time of the last snapshot; null before the first. */
  readonly lastSyncedAt: number | null;
  readonly health: HubHealth;
  setConnection(status: ConnectionStatus): void;
  /** The hub's own account of itself, from `/api/health` (see healthMonitor). */
  setHealth(status: 'ok' | 'degraded', reason?: string): void;
  /** A fresher estimate of the hub's clock (see clockSync). */
  setServerOffset(offsetMs: number): void;
}

export const createConnectionSlice: ConsoleSlice<ConnectionSlice> = (set, get) => ({
  connection: 'idle',
  serverOffsetMs: 0,
  lastSyncedAt: null,
  health: HEALTH_OK,
  setHealth: (status, reason) => {
    const current = get().health;
    // The reason is the hub's text: shown as text, kept short.
    const trimmed = reason?.trim().slice(0, MAX_REASON_LENGTH) || null;
    if (status === 'ok' ? current.status === 'ok' : current.status === 'degraded' && current.reason === trimmed) return;
    set({ health: status === 'ok' ? HEALTH_OK : { status, reason: trimmed } }, undefined, 'connection/setHealth');
  },
  setConnection: (connection) => set({ connection }, undefined, 'connection/set'),
  setServerOffset: (serverOffsetMs) => set({ serverOffsetMs }, undefined, 'connection/setServerOffset'),
});
