import type { DatabaseConfig } from '../config.js';
import type { InTransactionCrashPoint } from './sqlite/sqlite-writer.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { maskPostgresUrl } from './postgres/postgres-url.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { ApprovalStore } from './store.js';

export interface OpenStoreOptions {
  /** Test-only (HUB_CRASH_AT): a crash point inside a write transaction. */
  crashAt?: { point: string; n: number } | undefined;
}

const inTransactionPoints: readonly string[] = ['request.before-commit', 'deadline.before-commit'] satisfies InTransactionCrashPoint[];

/** Opens the store the config names; the one place that knows which kinds of database exist. */
export async function openStore(database: DatabaseConfig, options: OpenStoreOptions = {}): Promise<ApprovalStore> {
  const crashAt = options.crashAt && inTransactionPoints.includes(options.crashAt.point) ? (options.crashAt as { point: InTransactionCrashPoint; n: number }) : undefined;
  switch (database.kind) {
    case 'sqlite':
      return openSqliteStore({ path: database.path, durability: database.durability, crashAt });
    case 'postgres':
      // Several hubs may share one PostgreSQL database: there is no writer lock to take (see postgres-store.ts).
      return openPostgresStore({ url: database.url });
  }
}

/** A short description for banners and logs (never credentials). */
export function describeDatabase(database: DatabaseConfig): string {
  switch (database.kind) {
    case 'sqlite':
      return `SQLite ${database.path}, durability ${database.durability}`;
    case 'postgres':
      return `PostgreSQL ${maskPostgresUrl(database.url)}`;
  }
}
