import { execFileSync, spawnSync } from 'node:child_process';
import { connectHub, type HubClient } from '@approval-hub/agent-sdk';
import type { Ack, ApprovalRecord, ApprovalResponse } from '@approval-hub/protocol';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApprovalStore } from '../../src/store/store.js';
import { api, connected, emitAck, eventually, interceptStore, newRequest, once, queryDb, startTestHub, TestClock, tokens, type StoreMethodStandIn, type TestHub } from '../support/test-hub.js';

/**
 * The database failing under a running hub. Three faults, each as real as we could make it here:
 * - locked: a second connection holds `BEGIN EXCLUSIVE`, so the hub's writes get SQLITE_BUSY from SQLite itself;
 * - disk full: the test process's file-size limit (RLIMIT_FSIZE, via `prlimit`) is lowered below one page,
 *   so SQLite's next append fails in the kernel (EFBIG, surfacing as SQLITE_IOERR_WRITE / SQLITE_FULL), exactly as on
 *   a full disk; the hub and this test share the process, so nothing else is affected;
 * - read-only: SQLite cannot be made to refuse writes on an already-open connection from outside the hub (we run as
 *   root, so file modes do not apply), so a wrapper around the real store rejects writes with better-sqlite3's own
 *   SqliteError(SQLITE_READONLY); it exercises everything above the store (engine, sockets, REST, SDK retries).
 * In each: nothing is acked that was not committed, clients hear `internal` (no SQLite text), and everything
 * recovers when the database does, with the audit chain intact.
 */

let t: TestHub | undefined;
const clients: HubClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await t?.close();
  t = undefined;
});

const GENERIC = 'The hub could not complete this request; nothing was changed. Try again.';

function sdk(hub: TestHub): HubClient {
  const client = connectHub({ url: hub.url, token: tokens.agent, agentName: 'sdk-agent', requestTimeoutMs: 2000, backoff: { initialDelayMs: 50, maxDelayMs: 200 } });
  clients.push(client);
  return client;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = (hub: TestHub, sql: string, ...params: unknown[]) => (queryDb<{ n: number }>(hub.dbPath, sql, ...params)[0]!.n);

/** Every write path answers `internal`, with nothing committed; returns the pending request it tried to decide. */
async function expectWritesRefused(hub: TestHub, pending: ApprovalRecord, readCounts: () => { approvals: number; decided: number }) {
  const before = readCounts();
  const agent = hub.connectAgent();
  const reviewer = hub.connectReviewer();
  const asked = await emitAck(agent, 'approval.request', newRequest());
  expect(asked).toEqual({ ok: false, error: { code: 'internal', message: GENERIC } });
  const decided = await emitAck(reviewer, 'approval.response', { requestId: pending.requestId, approved: true });
  expect(decided).toEqual({ ok: false, error: { code: 'internal', message: GENERIC } });
  const cancelled = await emitAck(agent, 'approval.cancel', { requestId: pending.requestId });
  expect(cancelled).toMatchObject({ ok: false, error: { code: 'internal' } });
  expect(await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).toMatchObject({ status: 500, body: { error: { code: 'internal', message: GENERIC } } });
  expect(await api(hub, 'POST', `/api/approvals/${pending.requestId}/decision`, tokens.reviewer, { approved: false })).toMatchObject({ status: 500, body: { error: { code: 'internal' } } });
  expect(readCounts()).toEqual(before);
  agent.disconnect();
  reviewer.disconnect();
}

async function pendingRequest(hub: TestHub, overrides: Record<string, unknown> = {}) {
  const agent = hub.connectAgent();
  const ack = await emitAck<ApprovalRecord>(agent, 'approval.request', newRequest(overrides));
  if (!ack.ok) throw new Error(ack.error.message);
  return { agent, record: ack.data };
}

describe('the database fails under a running hub', () => {
  it('locked by another connection: refuses with internal, commits nothing, and catches up when the lock goes', async () => {
    const clock = new TestClock();
    t = await startTestHub({}, { clock });
    const hub = t;
    const { agent, record: pending } = await pendingRequest(hub, { timeoutMs: 60_000 });
    const responses: ApprovalResponse[] = [];
    agent.on('approval.response', (r: ApprovalResponse) => responses.push(r));

    const locker = new Database(hub.dbPath);
    locker.exec('BEGIN EXCLUSIVE');
    // The locker's own view is the committed state while it holds the lock.
    const readCounts = () => ({
      approvals: (locker.prepare('SELECT COUNT(*) AS n FROM approvals').get() as { n: number }).n,
      decided: (locker.prepare("SELECT COUNT(*) AS n FROM approvals WHERE status != 'pending'").get() as { n: number }).n,
    });
    try {
      await expectWritesRefused(hub, pending, readCounts);

      // An SDK call made now keeps retrying; a deadline falling due now cannot be written yet.
      const call = sdk(hub).requestApproval({ requestId: 'asked-while-locked', toolName: 'delete_pod', args: { name: 'db-1' }, runId: 'run-lock', timeoutMs: 120_000 });
      clock.advance(60_000);
      await expect(hub.hub.engine.expireDue()).rejects.toThrow();
      await sleep(300);
      expect(readCounts()).toEqual({ approvals: 1, decided: 0 });
      expect(responses).toEqual([]);

      locker.exec('ROLLBACK');
      // The deadline fires once (timer retries), the SDK's request lands once, and a decision reaches it.
      await eventually(() => responses.length === 1, 4000);
      expect(responses[0]).toMatchObject({ requestId: pending.requestId, status: 'expired' });
      await eventually(() => count(hub, "SELECT COUNT(*) AS n FROM approvals WHERE request_id = 'asked-while-locked'") === 1, 4000);
      expect((await api(hub, 'POST', '/api/approvals/asked-while-locked/decision', tokens.reviewer, { approved: true })).status).toBe(200);
      expect(await call).toMatchObject({ requestId: 'asked-while-locked', approved: true });
      expect(count(hub, "SELECT COUNT(*) AS n FROM audit WHERE type = 'expired'")).toBe(1);
      expect(count(hub, "SELECT COUNT(*) AS n FROM audit WHERE type = 'requested' AND request_id = 'asked-while-locked'")).toBe(1);
      expect(await api(hub, 'GET', '/api/audit/verify', tokens.admin)).toMatchObject({ body: { ok: true } });
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      locker.close();
    }
  });

  const prlimit = process.platform === 'linux' && spawnSync('prlimit', ['--version']).status === 0;
  it.skipIf(!prlimit)('disk full (the files cannot grow): refuses with internal, commits nothing, recovers with an intact database', async () => {
    t = await startTestHub();
    const hub = t;
    const { record: pending } = await pendingRequest(hub);
    const original = execFileSync('prlimit', ['--pid', String(process.pid), '--fsize', '--output=SOFT', '--noheadings', '--raw'], { encoding: 'utf8' }).trim();
    const setLimit = (value: string) => execFileSync('prlimit', ['--pid', String(process.pid), `--fsize=${value}:`]);
    let call: Promise<ApprovalResponse> | undefined;
    // No page fits under a 1 KB file-size limit: neither a WAL frame (even in a WAL the checkpointer has reset
    // and SQLite rewrites from the start) nor a checkpoint into the database file.
    setLimit('1024');
    try {
      const readCounts = () => ({
        approvals: count(hub, 'SELECT COUNT(*) AS n FROM approvals'),
        decided: count(hub, "SELECT COUNT(*) AS n FROM approvals WHERE status != 'pending'"),
      });
      await expectWritesRefused(hub, pending, readCounts);
      call = sdk(hub).requestApproval({ requestId: 'asked-while-full', toolName: 'delete_pod', args: { name: 'db-2' }, runId: 'run-full' });
      await sleep(300);
      expect(readCounts()).toEqual({ approvals: 1, decided: 0 });
    } finally {
      setLimit(original);
    }
    await eventually(() => count(hub, "SELECT COUNT(*) AS n FROM approvals WHERE request_id = 'asked-while-full'") === 1, 4000);
    expect((await api(hub, 'POST', '/api/approvals/asked-while-full/decision', tokens.reviewer, { approved: false, reason: 'after the disk was freed' })).status).toBe(200);
    expect(await call).toMatchObject({ requestId: 'asked-while-full', approved: false });
    const decided = await emitAck<ApprovalRecord>(hub.connectReviewer(), 'approval.response', { requestId: pending.requestId, approved: true });
    expect(decided.ok).toBe(true);
    expect(queryDb(hub.dbPath, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(await api(hub, 'GET', '/api/audit/verify', tokens.admin)).toMatchObject({ body: { ok: true } });
  });

  it('read-only: refuses with internal, commits nothing, and recovers when writes are allowed again', async () => {
    let readOnly = false;
    const refuse = () => Promise.reject(new Database.SqliteError('attempt to write a readonly database', 'SQLITE_READONLY'));
    const writes = ['insertRequest', 'transition', 'markDelivered', 'appendAudit'] as const;
    const refuseWhileReadOnly: StoreMethodStandIn = (real, args) => (readOnly ? refuse() : real(...args));
    const wrap = (store: ApprovalStore): ApprovalStore => interceptStore(store, Object.fromEntries(writes.map((name) => [name, refuseWhileReadOnly])));
    t = await startTestHub({}, { wrapStore: wrap });
    const hub = t;
    const { record: pending } = await pendingRequest(hub);
    readOnly = true;
    const readCounts = () => ({
      approvals: count(hub, 'SELECT COUNT(*) AS n FROM approvals'),
      decided: count(hub, "SELECT COUNT(*) AS n FROM approvals WHERE status != 'pending'"),
    });
    await expectWritesRefused(hub, pending, readCounts);
    const client = sdk(hub);
    await client.waitUntilConnected();
    const call = client.requestApproval({ requestId: 'asked-while-read-only', toolName: 'delete_pod', args: { name: 'db-3' }, runId: 'run-ro' });
    await sleep(300);
    expect(readCounts()).toEqual({ approvals: 1, decided: 0 });
    readOnly = false;
    await eventually(() => count(hub, "SELECT COUNT(*) AS n FROM approvals WHERE request_id = 'asked-while-read-only'") === 1, 4000);
    expect((await api(hub, 'POST', '/api/approvals/asked-while-read-only/decision', tokens.reviewer, { approved: true })).status).toBe(200);
    expect(await call).toMatchObject({ approved: true });
    expect(await api(hub, 'GET', '/api/audit/verify', tokens.admin)).toMatchObject({ body: { ok: true } });
  });

  it('a decision whose receipt could not be recorded is delivered again on the next connection', async () => {
    let failReceipts = false;
    const wrap = (store: ApprovalStore): ApprovalStore =>
      interceptStore(store, {
        markDelivered: (real, args) => (failReceipts ? Promise.reject(new Database.SqliteError('database is locked', 'SQLITE_BUSY')) : real(...args)),
      });
    t = await startTestHub({}, { wrapStore: wrap });
    const hub = t;
    const input = newRequest();
    const agent = hub.connectAgent();
    await emitAck(agent, 'approval.request', input);
    agent.on('approval.response', (payload: ApprovalResponse, ack: (r: Ack<{ requestId: string }>) => void) => ack({ ok: true, data: { requestId: payload.requestId } }));
    failReceipts = true;
    const first = once<ApprovalResponse>(agent, 'approval.response');
    await emitAck(hub.connectReviewer(), 'approval.response', { requestId: input.requestId, approved: true });
    expect((await first).requestId).toBe(input.requestId);
    await sleep(100);
    expect(count(hub, 'SELECT COUNT(*) AS n FROM deliveries')).toBe(1);
    failReceipts = false;
    agent.disconnect();
    const again = hub.connectAgent(tokens.agent, { autoConnect: false });
    const redelivered = new Promise<ApprovalResponse>((resolve) =>
      again.on('approval.response', (payload: ApprovalResponse, ack: (r: Ack<{ requestId: string }>) => void) => {
        ack({ ok: true, data: { requestId: payload.requestId } });
        resolve(payload);
      }),
    );
    again.connect();
    await connected(again);
    expect((await redelivered).requestId).toBe(input.requestId);
    await eventually(() => count(hub, 'SELECT COUNT(*) AS n FROM deliveries') === 0);
    expect(count(hub, "SELECT COUNT(*) AS n FROM audit WHERE type = 'delivered'")).toBe(1);
  });
});
