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

export interface ConnectionSlice {
  readonly connection: ConnectionStatus;
  /** Hub clock minus local clock, measured at the last snapshot. */
  readonly serverOffsetMs: number;
  /** Local time of the last snapshot; null before the first. */
  readonly lastSyncedAt: number | null;
  setConnection(status: ConnectionStatus): void;
  /** A fresher estimate of the hub's clock (see clockSync). */
  setServerOffset(offsetMs: number): void;
}

export const createConnectionSlice: ConsoleSlice<ConnectionSlice> = (set) => ({
  connection: 'idle',
  serverOffsetMs: 0,
  lastSyncedAt: null,
  setConnection: (connection) => set({ connection }, undefined, 'connection/set'),
  setServerOffset: (serverOffsetMs) => set({ serverOffsetMs }, undefined, 'connection/setServerOffset'),
});
