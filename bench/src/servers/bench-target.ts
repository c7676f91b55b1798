import type { ServerProcess } from './server-process.js';

export type TargetId = 'relay' | 'hub-normal' | 'hub-full';

/** A server under test: the bare relay or the hub at one durability, restartable on the same database. */
export interface BenchTarget {
  readonly id: TargetId;
  /** Starts the server; `port` is set when it must come back on the port its clients know. */
  start(port?: number): Promise<ServerProcess>;
  /** Bytes on disk of the database and its WAL, or null for a server without one. */
  databaseBytes(): number | null;
  /** Bytes of the write-ahead log now, or null for a server without one. */
  walBytes(): number | null;
  /** `.cpuprofile` files written so far (hub started with --cpu-prof). */
  cpuProfiles(): string[];
}
