import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApprovalRecord } from '@approval-hub/protocol';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../src/config.js';
import { runCli, startHubProcess } from './support/run-cli.js';
import {
  allRequests,
  api,
  defaultTokens,
  emitAck,
  eventually,
  newRequest,
  startTestHub,
  TestClock,
  tokens,
  type TestHub,
} from './support/test-hub.js';

/** Issue #17: one store boundary, one writer per SQLite file, honest health, quotas, and the CLI as documented. */

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
let t: TestHub | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await t?.close();
  t = undefined;
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-boundary-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('created vs existing is decided by the engine', () => {
  it('two identical concurrent POST /api/approvals: exactly one 201 and one 200, one row', async () => {
    t = await startTestHub();
    const hub = t;
    for (let round = 0; round < 5; round++) {
      const body = newRequest();
      const answers = await Promise.all([api(hub, 'POST', '/api/approvals', tokens.agent, body), api(hub, 'POST', '/api/approvals', tokens.agent, body)]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
      expect(answers[0]!.body).toEqual(answers[1]!.body);
      expect((await hub.store.timeline(body.requestId)).map((e) => e.type)).toEqual(['requested']);
    }
    expect(await allRequests(hub.store)).toHaveLength(5);
  });
});

describe('one writer per database file (real processes)', () => {
  it('a second hub on the same file exits non-zero naming the file; the first keeps writing and its chain verifies', async () => {
    const dir = tempDir();
    const dbFile = path.join(dir, 'shared.db');
    // The first hub finds the file through the `database` section (relative to the config file), the second
    // through the HUB_DB alias: both name one file.
    const configFile = path.join(dir, 'hub.json');
    writeFileSync(configFile, JSON.stringify({ database: { kind: 'sqlite', path: 'shared.db' }, tokens: defaultTokens, demo: { enabled: false }, logLevel: 'warn' }));
    const first = startHubProcess(['--config', configFile, '--port', '0']);
    cleanups.push(() => first.stop());
    const url = await first.ready;
    expect(existsSync(dbFile)).toBe(true);

    const before = await fetch(`${url}/api/approvals`, { method: 'POST', headers: { authorization: `Bearer ${tokens.agent}`, 'content-type': 'application/json' }, body: JSON.stringify(newRequest()) });
    expect(before.status).toBe(201);

    const second = spawnSync(process.execPath, [fileURLToPath(new URL('../dist/main.js', import.meta.url)), '--port', '0', '--no-demo'], {
      env: { ...process.env, HUB_DB: dbFile, HUB_CONFIG: '' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(second.status).not.toBe(0);
    expect(second.status).not.toBeNull();
    expect(second.stderr).toContain(dbFile);
    expect(second.stderr).toMatch(/in use by another running hub/);
    expect(second.stderr).not.toMatch(/\n\s+at /);

    // The first hub is untouched: it takes a request and a decision, and its chain (and state) verifies.
    const body = newRequest();
    const created = await fetch(`${url}/api/approvals`, { method: 'POST', headers: { authorization: `Bearer ${tokens.agent}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(created.status).toBe(201);
    const decided = await fetch(`${url}/api/approvals/${body.requestId}/decision`, { method: 'POST', headers: { authorization: `Bearer ${tokens.reviewer}`, 'content-type': 'application/json' }, body: JSON.stringify({ approved: true }) });
    expect(decided.status).toBe(200);
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    const verified = (await (await fetch(`${url}/api/audit/verify`, { headers: { authorization: `Bearer ${tokens.admin}` } })).json()) as { ok: boolean; checked: number };
    expect(verified).toMatchObject({ ok: true, checked: 3 });
    const cli = runCli(['audit', 'verify', '--db', dbFile]);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: true, checked: 3 });
    expect(await first.stop()).toBe(0);
  });

  it('a port in use: one line naming the port and how to choose another, no stack trace', async () => {
    const dir = tempDir();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const result = spawnSync(process.execPath, [fileURLToPath(new URL('../dist/main.js', import.meta.url)), '--port', String(port), '--db', path.join(dir, 'hub.db'), '--no-demo'], {
      env: { ...process.env, HUB_CONFIG: '' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).not.toBe(0);
    const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(String(port));
    expect(lines[0]).toContain('--port');
    expect(lines[0]).toContain('PORT');
    expect(result.stderr + result.stdout).not.toMatch(/EADDRINUSE|\n\s+at /);
  });
});

describe('the CLI as the README writes it', () => {
  it('audit verify --db <missing> creates nothing, exits 2 and says why', () => {
    const dir = tempDir();
    const missing = path.join(dir, 'nowhere', 'missing.db');
    const result = runCli(['audit', 'verify', '--db', missing]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(missing);
    expect(result.stderr).toMatch(/No database/);
    expect(result.stdout).toBe('');
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(path.dirname(missing))).toBe(false);
  });

  it('`pnpm exec approval-hub help` works from the repository root', () => {
    const result = spawnSync('pnpm', ['exec', 'approval-hub', 'help'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).not.toMatch(/not found/i);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('approval-hub audit verify');
  });
});

describe('health tells the truth', () => {
  it('503 degraded while writes fail (the database is locked by another connection), then ok again by itself', async () => {
    t = await startTestHub();
    const hub = t;
    expect(await api(hub, 'GET', '/api/health', null)).toMatchObject({ status: 200, body: { status: 'ok' } });
    const locker = new Database(hub.dbPath);
    cleanups.push(() => {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      locker.close();
    });
    locker.exec('BEGIN EXCLUSIVE');
    // A write fails (SQLITE_BUSY on the writer thread): the client hears `internal`, health turns degraded.
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).status).toBe(500);
    const degraded = await api(hub, 'GET', '/api/health', null);
    expect(degraded).toMatchObject({ status: 503, body: { status: 'degraded' } });
    expect(degraded.body.reason).toEqual(expect.any(String));
    expect(degraded.body.reason).not.toMatch(/SQLITE|locked/i);
    // Still degraded on the next look: the probe write fails while the lock is held.
    expect((await api(hub, 'GET', '/api/health', null)).status).toBe(503);

    locker.exec('ROLLBACK');
    // Nobody wrote anything meanwhile: health recovers on its own probe, and writes work.
    await eventually(async () => (await api(hub, 'GET', '/api/health', null)).status === 200);
    expect((await api(hub, 'GET', '/api/health', null)).body).toMatchObject({ status: 'ok' });
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).status).toBe(201);
  });
});

describe('a decision on a request the timer already expired', () => {
  it('is answered expired (REST 410, socket `expired`) with the expired record, not already_decided', async () => {
    const clock = new TestClock();
    t = await startTestHub({}, { clock });
    const hub = t;
    const first = newRequest({ timeoutMs: 5000 });
    const second = newRequest({ timeoutMs: 5000 });
    const agent = hub.connectAgent();
    expect((await emitAck(agent, 'approval.request', first)).ok).toBe(true);
    expect((await emitAck(agent, 'approval.request', second)).ok).toBe(true);
    clock.advance(6000);
    // What the deadline timer does when it fires.
    expect((await hub.hub.engine.expireDue()).map((r) => r.requestId).sort()).toEqual([first.requestId, second.requestId].sort());

    const rest = await api(hub, 'POST', `/api/approvals/${first.requestId}/decision`, tokens.reviewer, { approved: true });
    expect(rest.status).toBe(410);
    expect(rest.body.error.code).toBe('expired');
    expect(rest.body.error.details).toMatchObject({ requestId: first.requestId, status: 'expired', decision: { decidedBy: { kind: 'timeout' }, approved: false } });

    const socket = await emitAck<ApprovalRecord>(hub.connectReviewer(), 'approval.response', { requestId: second.requestId, approved: true });
    expect(socket).toMatchObject({ ok: false, error: { code: 'expired', details: { requestId: second.requestId, status: 'expired' } } });
    // The record stays expired; each late attempt is in the timeline as a rejected decision.
    expect((await hub.record(first.requestId))?.status).toBe('expired');
    const types = (await hub.store.timeline(first.requestId)).map((e) => e.type);
    expect(types).toEqual(['requested', 'expired', 'decision_rejected']);
  });
});

describe('pending quotas', () => {
  it('over limits.maxPendingPerAgent: 429 quota_exceeded, nothing written but one audit row; other agents unaffected', async () => {
    t = await startTestHub({ limits: { maxPendingPerAgent: 2, maxPendingPerQueue: 100 } });
    const hub = t;
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).status).toBe(201);
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).status).toBe(201);
    const head = await hub.store.auditHead();

    const over = newRequest();
    const refused = await api(hub, 'POST', '/api/approvals', tokens.agent, over);
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'quota_exceeded', details: { scope: 'agent', limit: 2 } } } });
    const socket = await emitAck(hub.connectAgent(), 'approval.request', newRequest());
    expect(socket).toMatchObject({ ok: false, error: { code: 'quota_exceeded' } });

    expect(await hub.record(over.requestId)).toBeNull();
    expect(await allRequests(hub.store)).toHaveLength(2);
    // One row per refusal, against the agent, in no request's timeline.
    await eventually(async () => (await hub.store.auditHead()).seq === head.seq + 2);
    const rows = (await hub.store.listAudit({ limit: 10, includeHubRows: true }, null)).items.filter((e) => e.seq! > head.seq);
    expect(rows.map((e) => [e.type, e.requestId, (e.data as { code: string }).code])).toEqual([
      ['input_rejected', null, 'quota_exceeded'],
      ['input_rejected', null, 'quota_exceeded'],
    ]);
    expect(rows[0]!.actor).toMatchObject({ kind: 'agent', id: 'test-agent' });
    expect(await hub.store.timeline(over.requestId)).toEqual([]);

    expect((await api(hub, 'POST', '/api/approvals', tokens.agent2, newRequest())).status).toBe(201);
  });

  it('over limits.maxPendingPerQueue: 429 with scope queue; another queue still takes requests', async () => {
    t = await startTestHub({ limits: { maxPendingPerAgent: 100, maxPendingPerQueue: 2 } });
    const hub = t;
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest({ queue: 'ops' }))).status).toBe(201);
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent2, newRequest({ queue: 'ops' }))).status).toBe(201);
    const refused = await api(hub, 'POST', '/api/approvals', tokens.agent2, newRequest({ queue: 'ops' }));
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'quota_exceeded', details: { scope: 'queue', limit: 2 } } } });
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent2, newRequest({ queue: 'billing' }))).status).toBe(201);
    expect(await allRequests(hub.store)).toHaveLength(3);
  });
});

describe('the database config section', () => {
  it('takes { kind, path, durability }, keeps dbPath/durability as aliases, and refuses both at once', () => {
    expect(parseConfig({ database: { kind: 'sqlite', path: '/tmp/a.db', durability: 'full' } }).database).toEqual({ kind: 'sqlite', path: '/tmp/a.db', durability: 'full' });
    expect(parseConfig({ dbPath: '/tmp/b.db', durability: 'full' }).database).toEqual({ kind: 'sqlite', path: '/tmp/b.db', durability: 'full' });
    expect(parseConfig({}).database).toEqual({ kind: 'sqlite', path: './data/approval-hub.db', durability: 'normal' });
    expect(parseConfig({ database: { kind: 'sqlite' } }).database).toMatchObject({ path: './data/approval-hub.db', durability: 'normal' });
    expect(() => parseConfig({ database: { kind: 'sqlite', path: '/tmp/a.db' }, dbPath: '/tmp/b.db' })).toThrow(/database: .*aliases/);
    expect(() => parseConfig({ database: { kind: 'sqlite', path: '/tmp/a.db' }, durability: 'full' })).toThrow(/database/);
    // PostgreSQL is a kind of its own (see config-database.test.ts); an unknown kind is refused.
    expect(parseConfig({ database: { kind: 'postgres', url: 'postgres://x' } }).database).toEqual({ kind: 'postgres', url: 'postgres://x' });
    expect(() => parseConfig({ database: { kind: 'mysql', url: 'mysql://x' } })).toThrow(/database/);
  });

  it('--db and HUB_DB set the path over a config file\'s database section, relative paths resolve beside the file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'hub.json');
    writeFileSync(file, JSON.stringify({ database: { kind: 'sqlite', path: 'data/x.db', durability: 'full' } }));
    expect(loadConfig(['--config', file], {}).config.database).toEqual({ kind: 'sqlite', path: path.join(dir, 'data/x.db'), durability: 'full' });
    expect(loadConfig(['--config', file, '--db', '/tmp/flag.db'], {}).config.database).toEqual({ kind: 'sqlite', path: '/tmp/flag.db', durability: 'full' });
    expect(loadConfig(['--config', file], { HUB_DB: '/tmp/env.db' }).config.database).toMatchObject({ path: '/tmp/env.db' });
    writeFileSync(file, JSON.stringify({ dbPath: 'y.db', durability: 'full' }));
    expect(loadConfig(['--config', file], {}).config.database).toEqual({ kind: 'sqlite', path: path.join(dir, 'y.db'), durability: 'full' });
  });
});
