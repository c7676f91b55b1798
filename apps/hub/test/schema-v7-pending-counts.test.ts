import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('SQLite schema v7: pending counters', () => {
  it('counts the requests an earlier database already holds pending, and quotas then hold against them', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-v7-'));
    const file = path.join(dir, 'hub.db');
    await (await openSqliteStore({ path: file, durability: 'normal' })).close();

    // Back to what a v6 hub left, holding pending and decided requests of two agents in two queues.
    const db = new Database(file);
    db.exec(`DROP TRIGGER approvals_pending_insert; DROP TRIGGER approvals_pending_leave; DROP TRIGGER approvals_pending_enter;
      DROP TRIGGER approvals_pending_delete; DROP TABLE pending_counts; PRAGMA user_version = 6;`);
    const insert = db.prepare(`INSERT INTO approvals (request_id, principal_id, request_hash, status, tool_name, args, agent_name, run_id, queue, created_at, expires_at)
      VALUES (?, ?, 'h', ?, 't', '{}', 'a', 'r', ?, 0, 1)`);
    const rows: [string, string, string][] = [
      ['agent-a', 'pending', 'ops'],
      ['agent-a', 'pending', 'ops'],
      ['agent-a', 'approved', 'ops'],
      ['agent-b', 'pending', 'ops'],
      ['agent-b', 'pending', 'default'],
      ['agent-b', 'expired', 'default'],
    ];
    for (const [i, [agent, status, queue]] of rows.entries()) insert.run(`old-${i}`, agent, status, queue);
    db.close();

    const store = await openSqliteStore({ path: file, durability: 'normal' });
    try {
      expect((await store.counts()).pendingByQueue).toEqual({ ops: 3, default: 1 });
      const request = (agent: string, n: number) => {
        const at = new Date(0).toISOString();
        const record = { requestId: `new-${agent}-${n}`, status: 'pending' as const, toolName: 't', args: {}, agent: { id: agent, name: agent }, agentName: agent, runId: 'r', queue: 'billing', createdAt: at, expiresAt: at };
        return store.insertRequest({ record, principalId: agent, requestHash: 'h', deliver: false, quota: { maxPendingPerAgent: 2, maxPendingPerQueue: 100 }, audit: [] });
      };
      expect(await request('agent-a', 1)).toEqual({ kind: 'quota_exceeded', scope: 'agent', limit: 2 });
      expect(await request('agent-b', 1)).toEqual({ kind: 'quota_exceeded', scope: 'agent', limit: 2 });
      expect((await request('agent-c', 1)).kind).toBe('created');
    } finally {
      await store.close();
    }
  });
});
