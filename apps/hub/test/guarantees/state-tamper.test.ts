import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Ack, ApprovalResponse } from '@approval-hub/protocol';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { api, emitAck, eventually, newRequest, startTestHub, tokens, type TestHub } from '../support/test-hub.js';

/**
 * Tamper evidence covers state, not only the audit table (issue #9): the chain commits to each request's state, so
 * a row changed in `approvals` or `deliveries` behind the hub's back fails verification, and a database deleted under
 * a running hub is reported, not silently replaced. Raw SQL here is the attacker's.
 */

let t: TestHub | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const mainScript = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

describe('the tables are checked against the chain', () => {
  it('a denied request flipped to approved, with its delivery re-queued, fails audit verify (REST and CLI, even with the exported head)', async () => {
    t = await startTestHub();
    const hub = t;
    const body = newRequest({ toolName: 'drop_table', args: { table: 'users' } });
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, body)).status).toBe(201);
    const agent = hub.connectAgent();
    const first: ApprovalResponse[] = [];
    agent.on('approval.response', (payload: ApprovalResponse, ack: (r: Ack<{ requestId: string }>) => void) => {
      first.push(payload);
      ack({ ok: true, data: { requestId: payload.requestId } });
    });
    await emitAck(agent, 'approval.sync', { requestIds: [] });
    expect((await api(hub, 'POST', `/api/approvals/${body.requestId}/decision`, tokens.reviewer, { approved: false, reason: 'no' })).status).toBe(200);
    await eventually(() => first.length === 1);
    await eventually(async () => (await hub.store.undelivered('test-agent', 10)).items.length === 0);
    const head = await api(hub, 'GET', '/api/audit/head', tokens.admin);
    expect(await api(hub, 'GET', '/api/audit/verify', tokens.admin)).toMatchObject({ body: { ok: true } });
    agent.disconnect();

    const db = new Database(hub.dbPath);
    try {
      db.prepare(`UPDATE approvals SET status = 'approved', decision = json_set(decision, '$.approved', json('true')) WHERE request_id = ?`).run(body.requestId);
      db.prepare('INSERT INTO deliveries (request_id, principal_id, created_at) VALUES (?, ?, ?)').run(body.requestId, 'test-agent', Date.now());
    } finally {
      db.close();
    }

    const rest = await api(hub, 'GET', '/api/audit/verify', tokens.admin);
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({ ok: false, badState: { requestId: body.requestId } });
    const withHead = await api(hub, 'GET', `/api/audit/verify?head=${head.body.seq}:${head.body.hash}`, tokens.admin);
    expect(withHead.body).toMatchObject({ ok: false, badState: { requestId: body.requestId } });
    expect((await api(hub, 'GET', '/api/audit/verify', tokens.reviewer)).status).toBe(403);

    const cli = runCli(['audit', 'verify', '--db', hub.dbPath, '--head', `${head.body.seq}:${head.body.hash}`]);
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: false, badState: { requestId: body.requestId } });
  });

  it('only the delivery re-queued (state otherwise intact) is caught too', async () => {
    t = await startTestHub();
    const hub = t;
    const body = newRequest();
    await api(hub, 'POST', '/api/approvals', tokens.agent, body);
    await api(hub, 'POST', `/api/approvals/${body.requestId}/decision`, tokens.reviewer, { approved: true });
    // The agent receives it over a long-poll, which records the delivery.
    expect(await api(hub, 'GET', `/api/approvals/${body.requestId}/wait?timeoutMs=0`, tokens.agent)).toMatchObject({ status: 200, body: { status: 'approved' } });
    expect(await api(hub, 'GET', '/api/audit/verify', tokens.admin)).toMatchObject({ body: { ok: true } });
    const db = new Database(hub.dbPath);
    try {
      db.prepare('INSERT INTO deliveries (request_id, principal_id, created_at) VALUES (?, ?, ?)').run(body.requestId, 'test-agent', Date.now());
    } finally {
      db.close();
    }
    expect(await api(hub, 'GET', '/api/audit/verify', tokens.admin)).toMatchObject({ body: { ok: false, badState: { requestId: body.requestId } } });
    expect(runCli(['audit', 'verify', '--db', hub.dbPath]).code).toBe(1);
  });
});

describe('the database deleted under a running hub', () => {
  it('health answers 503 degraded and writes are refused, instead of a fresh chain', async () => {
    t = await startTestHub();
    const hub = t;
    const body = newRequest();
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, body)).status).toBe(201);
    expect((await api(hub, 'GET', '/api/health', null)).status).toBe(200);

    for (const suffix of ['', '-wal', '-shm']) rmSync(`${hub.dbPath}${suffix}`, { force: true });

    const health = await api(hub, 'GET', '/api/health', null);
    expect(health).toMatchObject({ status: 503, body: { status: 'degraded', reason: expect.stringMatching(/deleted|replaced/) } });
    // The writer notices within its identity-check interval; from then on every write is refused.
    await eventually(async () => (await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).status === 500, 5000);
    expect(await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).toMatchObject({ status: 500, body: { error: { code: 'internal' } } });
    expect(await api(hub, 'POST', `/api/approvals/${body.requestId}/decision`, tokens.reviewer, { approved: true })).toMatchObject({ status: 500 });
    expect((await emitAck(hub.connectAgent(), 'approval.request', newRequest())).ok).toBe(false);
    // It stays degraded: nothing recreated the file behind its back.
    expect((await api(hub, 'GET', '/api/health', null)).status).toBe(503);
  });

  // The writer checks the file before every grouped commit, so nothing is acked into an unlinked file.
  it('no write is acked after the file is gone', async () => {
    t = await startTestHub();
    const hub = t;
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).status).toBe(201);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${hub.dbPath}${suffix}`, { force: true });
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).status).toBe(500);
  });
});

describe('a database replaced while the hub was stopped', () => {
  it('is refused at the next start (exit 3, the file and the fix named) instead of beginning a fresh chain', async () => {
    t = await startTestHub();
    const first = newRequest();
    expect((await api(t, 'POST', '/api/approvals', tokens.agent, first)).status).toBe(201);
    expect((await api(t, 'POST', `/api/approvals/${first.requestId}/decision`, tokens.reviewer, { approved: false })).status).toBe(200);
    await t.stop(); // a clean stop records the head beside the lock
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${t.dbPath}${suffix}`, { force: true });

    const refused = spawnSync(process.execPath, [mainScript, '--port', '0', '--db', t.dbPath, '--no-demo'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, HUB_CONFIG: '' } });
    expect(refused.status).toBe(3);
    expect(refused.stderr).toContain(t.dbPath);
    expect(refused.stderr).toMatch(/is not the one this hub was using/);
    expect(refused.stderr).toContain(`${t.dbPath}.lock`);
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    // Starting over on purpose: delete the lock file too.
    rmSync(`${t.dbPath}.lock`, { force: true });
    t = await startTestHub({}, { dir: t.dir });
    expect((await api(t, 'GET', '/api/health', null)).status).toBe(200);
  });
});

