import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, emitAck, newRequest, startTestHub, tokens, type TestHub } from './support/test-hub.js';
import { runCli } from './support/run-cli.js';

let t: TestHub;

async function hubWithHistory(): Promise<TestHub> {
  const hub = await startTestHub();
  const agent = hub.connectAgent();
  for (let i = 0; i < 4; i++) {
    const input = newRequest();
    await emitAck(agent, 'approval.request', input);
    await api(hub, 'POST', `/api/approvals/${input.requestId}/decision`, tokens.reviewer, { approved: i % 2 === 0 });
  }
  await hub.stop();
  return hub;
}

function tamper(dbPath: string, sql: string) {
  const db = new Database(dbPath);
  db.exec(sql);
  db.close();
}

afterEach(async () => {
  await t.close();
});

describe('approval-hub audit verify', () => {
  beforeAll(() => {
    // The CLI is the built one; `pnpm test` builds before it tests.
    expect(runCli(['help']).code).toBe(0);
  });

  it('passes an intact chain and prints the head', async () => {
    t = await hubWithHistory();
    const verify = runCli(['audit', 'verify', '--db', t.dbPath]);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, checked: 8 });
    const head = JSON.parse(runCli(['audit', 'head', '--db', t.dbPath]).stdout);
    expect(head).toMatchObject({ seq: 8, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(runCli(['audit', 'verify', '--db', t.dbPath, '--head', `${head.seq}:${head.hash}`]).code).toBe(0);
  });

  it('names the row where a single byte changed', async () => {
    t = await hubWithHistory();
    tamper(t.dbPath, "UPDATE audit SET type = 'decideD' WHERE seq = 4");
    const verify = runCli(['audit', 'verify', '--db', t.dbPath]);
    expect(verify.code).toBe(1);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: false, checked: 3, firstBad: { seq: 4, reason: expect.stringContaining('changed') } });
  });

  it('names a deleted row', async () => {
    t = await hubWithHistory();
    tamper(t.dbPath, 'DELETE FROM audit WHERE seq = 3');
    expect(JSON.parse(runCli(['audit', 'verify', '--db', t.dbPath]).stdout)).toMatchObject({ ok: false, firstBad: { seq: 3, reason: expect.stringContaining('missing') } });
  });

  it('names a reordered row', async () => {
    t = await hubWithHistory();
    tamper(t.dbPath, 'UPDATE audit SET seq = -seq WHERE seq IN (5, 6); UPDATE audit SET seq = 6 WHERE seq = -5; UPDATE audit SET seq = 5 WHERE seq = -6;');
    expect(JSON.parse(runCli(['audit', 'verify', '--db', t.dbPath]).stdout)).toMatchObject({ ok: false, firstBad: { seq: 5 } });
  });

  it('catches rows cut from the end: by the stored state alone, and against an exported head', async () => {
    t = await hubWithHistory();
    const head = JSON.parse(runCli(['audit', 'head', '--db', t.dbPath]).stdout);
    tamper(t.dbPath, 'DELETE FROM audit WHERE seq >= 7');
    // The cut rows held the last decision: the stored request no longer matches what the chain committed to.
    const alone = runCli(['audit', 'verify', '--db', t.dbPath]);
    expect(alone.code).toBe(1);
    expect(JSON.parse(alone.stdout)).toMatchObject({ ok: false, badState: { requestId: expect.any(String), reason: expect.any(String) } });
    const verify = runCli(['audit', 'verify', '--db', t.dbPath, '--head', `${head.seq}:${head.hash}`]);
    expect(verify.code).toBe(1);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: false, firstBad: { seq: 8 } });
  });

  it('GET /api/audit/verify reports the same for a running hub', async () => {
    t = await startTestHub();
    await emitAck(t.connectAgent(), 'approval.request', newRequest());
    expect(await api(t, 'GET', '/api/audit/verify', tokens.admin)).toMatchObject({ status: 200, body: { ok: true, checked: 1 } });
  });
});
