import { startPostgres, type PostgresServer } from '@approval-hub/test-postgres';

/**
 * The PostgreSQL server of a run. The test defaults turn durability off; here it is back on except for waiting on
 * the WAL flush at each commit (`synchronous_commit = off`), which is the promise the SQLite hub makes at
 * `durability: "normal"`: a crash of the hub or the database loses nothing acknowledged, a crash of the machine
 * may lose the last fraction of a second.
 */
export const BENCH_POSTGRES_SETTINGS: Record<string, string> = {
  fsync: 'on',
  full_page_writes: 'on',
  synchronous_commit: 'off',
  max_connections: '300',
};

export function startBenchPostgres(): Promise<PostgresServer> {
  return startPostgres({ settings: BENCH_POSTGRES_SETTINGS });
}
