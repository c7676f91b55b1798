import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { api, newRequest, queryDb, startTestHub, TestClock, tokens, type TestHub } from './support/test-hub.js';

let t: TestHub | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('SQLite schema v3', () => {
  it('keeps the trust fields in one JSON column and the decision time in decided_at', async () => {
    t = await startTestHub();
    const input = newRequest({ risk: 'high', summary: 'Delete web-1', context: { rationale: 'stuck' }, args: { name: 'x\u202Ey' } });
    await api(t, 'POST', '/api/approvals', tokens.agent, input);
    const [row] = queryDb<{ trust: string; decided_at: number | null }>(t.dbPath, 'SELECT trust, decided_at FROM approvals WHERE request_id = ?', input.requestId);
    expect(JSON.parse(row!.trust)).toMatchObject({ risk: 'high', agentRisk: 'high', summary: 'Delete web-1', context: { rationale: 'stuck' }, suspicious: [{ field: 'args.name', kind: 'bidi_control' }] });
    expect(row!.decided_at).toBeNull();
    expect(queryDb<{ user_version: number }>(t.dbPath, 'PRAGMA user_version')[0]!.user_version).toBeGreaterThanOrEqual(3);
  });

  it('backfills decided_at from an earlier database’s decisions and cancellations', async () => {
    const clock = new TestClock();
    t = await startTestHub({}, { clock });
    const approved = newRequest();
    const cancelled = newRequest();
    const pending = newRequest();
    for (const input of [approved, cancelled, pending]) await api(t, 'POST', '/api/approvals', tokens.agent, input);
    clock.advance(5_000);
    await api(t, 'POST', `/api/approvals/${approved.requestId}/decision`, tokens.reviewer, { approved: true });
    clock.advance(5_000);
    await api(t, 'POST', `/api/approvals/${cancelled.requestId}/cancel`, tokens.agent, {});
    const expected = queryDb<{ request_id: string; decided_at: number | null }>(t.dbPath, 'SELECT request_id, decided_at FROM approvals ORDER BY seq');
    const dir = t.dir;
    await t.stop();

    // Back to what a v2 hub left: no trust, no decided_at, schema version 2 (and nothing of later migrations).
    const db = new Database(`${dir}/hub.db`);
    db.exec('DROP TRIGGER approvals_pending_insert; DROP TRIGGER approvals_pending_leave; DROP TRIGGER approvals_pending_enter; DROP TRIGGER approvals_pending_delete; DROP TABLE pending_counts;');
    db.exec('DROP TABLE outbox; DROP TABLE decision_link_uses; DROP TABLE grants; DROP INDEX approvals_escalate_at; ALTER TABLE approvals DROP COLUMN quorum; ALTER TABLE approvals DROP COLUMN escalation; ALTER TABLE approvals DROP COLUMN escalate_at;');
    db.exec('DROP INDEX approvals_decided; ALTER TABLE approvals DROP COLUMN trust; ALTER TABLE approvals DROP COLUMN decided_at; PRAGMA user_version = 2;');
    db.close();

    t = await t.restart();
    expect(queryDb<{ request_id: string; decided_at: number | null }>(t.dbPath, 'SELECT request_id, decided_at FROM approvals ORDER BY seq')).toEqual(expected);
    expect(expected.map((r) => r.decided_at === null)).toEqual([false, false, true]);
    const history = await api(t, 'GET', '/api/approvals?sort=decided', tokens.reviewer);
    expect(history.body.items.map((r: { requestId: string }) => r.requestId)).toEqual([cancelled.requestId, approved.requestId]);
  });
});
