import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { freshDatabase, type TestDatabase } from '../support/postgres.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL store: migrations', () => {
  let database: TestDatabase;
  let stores: PostgresStore[] = [];
  beforeEach(async () => {
    database = await freshDatabase();
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
    await database.drop();
  });

  it('three nodes starting at the same moment migrate once, and all of them work', async () => {
    stores = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url: database.url })));
    const versions = await query<{ version: number }>(database.url, 'SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // One secret, the same for every node (cursors made on one node open on another).
    const secrets = await Promise.all(stores.map((s) => s.secret()));
    expect(secrets[1]).toEqual(secrets[0]);
    expect(secrets[2]).toEqual(secrets[0]);
    expect(await query(database.url, `SELECT key FROM meta WHERE key = 'secret'`)).toHaveLength(1);
    await Promise.all(stores.map((s) => s.ping()));
  });

  it('migration 9 counts the requests an earlier database already holds pending, and quotas then hold against them', async () => {
    stores = [await openPostgresStore({ url: database.url })];
    await stores[0]!.close();
    stores = [];
    // Back to what a hub at migration 8 left, holding pending and decided requests of two agents in two queues.
    await query(
      database.url,
      `DROP TRIGGER approvals_pending_counts ON approvals; DROP FUNCTION approvals_pending_counts(); DROP FUNCTION pending_count_move(text, text, text);
       DROP FUNCTION pending_count_add(text, text, bigint); DROP TABLE pending_counts; DROP FUNCTION approval_quota_check_batch(json);
       DELETE FROM schema_migrations WHERE version >= 9;
       INSERT INTO approvals (request_id, principal_id, request_hash, status, tool_name, args, agent_name, run_id, queue, created_at, expires_at) VALUES
         ('old-0', 'agent-a', 'h', 'pending', 't', '{}', 'a', 'r', 'ops', 0, 1), ('old-1', 'agent-a', 'h', 'pending', 't', '{}', 'a', 'r', 'ops', 0, 1),
         ('old-2', 'agent-a', 'h', 'approved', 't', '{}', 'a', 'r', 'ops', 0, 1), ('old-3', 'agent-b', 'h', 'pending', 't', '{}', 'a', 'r', 'ops', 0, 1),
         ('old-4', 'agent-b', 'h', 'pending', 't', '{}', 'a', 'r', 'default', 0, 1), ('old-5', 'agent-b', 'h', 'expired', 't', '{}', 'a', 'r', 'default', 0, 1)`,
    );
    const store = await openPostgresStore({ url: database.url });
    stores = [store];
    expect((await store.counts()).pendingByQueue).toEqual({ ops: 3, default: 1 });
    const request = (agent: string) => {
      const at = new Date(0).toISOString();
      const record = { requestId: `new-${agent}`, status: 'pending' as const, toolName: 't', args: {}, agent: { id: agent, name: agent }, agentName: agent, runId: 'r', queue: 'billing', createdAt: at, expiresAt: at };
      return store.insertRequest({ record, principalId: agent, requestHash: 'h', deliver: false, quota: { maxPendingPerAgent: 2, maxPendingPerQueue: 100 }, audit: [] });
    };
    expect(await request('agent-a')).toEqual({ kind: 'quota_exceeded', scope: 'agent', limit: 2 });
    expect(await request('agent-b')).toEqual({ kind: 'quota_exceeded', scope: 'agent', limit: 2 });
    expect((await request('agent-c')).kind).toBe('created');
  });

  it('a reopened database is not migrated again, and a newer schema than the hub knows is refused', async () => {
    stores = [await openPostgresStore({ url: database.url })];
    await stores[0]!.close();
    stores = [await openPostgresStore({ url: database.url })];
    expect(await query(database.url, 'SELECT version FROM schema_migrations')).toHaveLength(11);
    await query(database.url, 'INSERT INTO schema_migrations (version) VALUES (99)');
    await expect(openPostgresStore({ url: database.url })).rejects.toThrow(/schema version 99 is newer than this hub/);
  });
});
