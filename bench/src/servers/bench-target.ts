import type { ServerProcess } from './server-process.js';

/**
 * `relay`: the bare Socket.IO relay (baseline). `hub-normal` / `hub-full`: one hub on SQLite at each durability.
 * `hub-postgres`: one hub on PostgreSQL. `hub-postgres-3`: three hubs on the same PostgreSQL database, the load
 * spread over them so that most requests cross nodes.
 */
export type TargetId = 'relay' | 'hub-normal' | 'hub-full' | 'hub-postgres' | 'hub-postgres-3' | 'hub-base';

/**
 * `hub-base` is a second hub on SQLite at `durability: "normal"`, running another build (`--hub-base`): an A/B of
 * two builds measured side by side in the same run, step for step, as the relay and the hub are.
 */
export const TARGET_IDS: readonly TargetId[] = ['relay', 'hub-normal', 'hub-full', 'hub-postgres', 'hub-postgres-3', 'hub-base'];

/** A server under test: the bare relay or the hub at one durability, restartable on the same database. */
export interface BenchTarget {
  readonly id: TargetId;
  /** Starts the server; `port` is set when it must come back on the port its clients know. */
  start(port?: number): Promise<ServerProcess>;
  /** Bytes the database holds on disk (with its WAL), or null for a server without one. */
  databaseBytes(): Promise<number | null>;
  /** Bytes of the SQLite write-ahead log now, or null for a server without one. */
  walBytes(): number | null;
  /** `.cpuprofile` files written so far (hub started with --cpu-prof). */
  cpuProfiles(): string[];
}
