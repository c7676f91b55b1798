import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Namespace, type ApprovalRecord, type QueueSnapshot } from '@approval-hub/protocol';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { freePort } from '@approval-hub/test-ports';
import { startHubProcess } from '../support/run-cli.js';
import { allAudit, allRequests, api, connected, connectError, defaultTokens, emitAck, newRequest, startTestHub, tokens, undeliveredIds, type TestHub, onPostgres } from '../support/test-hub.js';

/**
 * Nobody sees or decides what is not theirs. Every refusal below is checked for its answer and for what it left in
 * the database: no request, no decision, no delivery; at most the audit row that records the refused attempt.
 */

let t: TestHub | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await t?.close();
  t = undefined;
});

function raw(url: string, nsp: string, token: string | undefined, extra: Record<string, unknown> = {}): Socket {
  const socket = io(`${url}${nsp}`, { auth: token === undefined ? {} : { token }, transports: ['websocket'], reconnection: false, ...extra });
  sockets.push(socket);
  return socket;
}

/** The state that matters, to compare before and after a refused attempt. */
async function state(hub: TestHub) {
  return {
    approvals: (await allRequests(hub.store)).map((r) => ({ requestId: r.requestId, status: r.status, decision: r.decision ?? null })),
    deliveries: [...(await undeliveredIds(hub.store, 'test-agent')), ...(await undeliveredIds(hub.store, 'other-agent'))].sort(),
    auditTypes: [...new Set((await allAudit(hub.store)).map((e) => e.type))].filter((type) => type !== 'decision_rejected' && type !== 'input_rejected').sort(),
  };
}

async function seeded(hub: TestHub) {
  const agent = hub.connectAgent();
  const billing = await emitAck<ApprovalRecord>(agent, 'approval.request', newRequest({ queue: 'billing', toolName: 'send_payment' }));
  const ops = await emitAck<ApprovalRecord>(agent, 'approval.request', newRequest({ queue: 'ops' }));
  if (!billing.ok || !ops.ok) throw new Error('setup failed');
  return { agent, billing: billing.data, ops: ops.data };
}

describe('authentication: every wrong credential is refused, nothing written', () => {
  it('socket handshakes: no token, wrong token, the wrong role on each namespace, a foreign Origin', async () => {
    t = await startTestHub({ allowedOrigins: ['https://console.example.com'] });
    const hub = t;
    await seeded(hub);
    const before = await state(hub);
    const refusals: [string, () => Socket, string][] = [
      ['no token on /agent', () => raw(hub.url, Namespace.agent, undefined), 'unauthorized'],
      ['no token on /reviewer', () => raw(hub.url, Namespace.reviewer, undefined), 'unauthorized'],
      ['a wrong token on /agent', () => raw(hub.url, Namespace.agent, 'wrong-token-0123456789'), 'unauthorized'],
      ['a wrong token on /reviewer', () => raw(hub.url, Namespace.reviewer, 'wrong-token-0123456789'), 'unauthorized'],
      ['a token that is not a string', () => raw(hub.url, Namespace.agent, undefined, { auth: { token: { $ne: null } } }), 'unauthorized'],
      ['an agent token on /reviewer', () => raw(hub.url, Namespace.reviewer, tokens.agent), 'forbidden'],
      ['a reviewer token on /agent', () => raw(hub.url, Namespace.agent, tokens.reviewer), 'forbidden'],
      ['an admin token on /agent', () => raw(hub.url, Namespace.agent, tokens.admin), 'forbidden'],
    ];
    for (const [label, socket, code] of refusals) {
      const error = await connectError(socket());
      expect(error.data?.code, label).toBe(code);
    }
    // A browser page from another origin cannot even open the transport, whatever token it holds.
    const foreign = raw(hub.url, Namespace.agent, tokens.agent, { extraHeaders: { origin: 'https://evil.example' } });
    const error = await connectError(foreign);
    expect(error.message).toMatch(/websocket error|xhr poll error|Origin/i);
    const polling = await fetch(`${hub.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } });
    expect(polling.status).toBe(403);
    expect(await state(hub)).toEqual(before);
  });

  it('REST: no token, a wrong token, a token in the query string, a foreign Origin', async () => {
    t = await startTestHub({ allowedOrigins: ['https://console.example.com'] });
    const hub = t;
    await seeded(hub);
    const before = await state(hub);
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/approvals'],
      ['POST', '/api/approvals', newRequest()],
      ['GET', '/api/approvals/x'],
      ['GET', '/api/approvals/x/wait?timeoutMs=0'],
      ['POST', '/api/approvals/x/decision', { approved: true }],
      ['POST', '/api/approvals/x/cancel', {}],
      ['GET', '/api/audit'],
      ['GET', '/api/audit/verify'],
      ['GET', '/api/audit/head'],
      ['GET', '/api/me'],
      ['GET', '/api/metrics'],
    ];
    for (const [method, route, body] of routes) {
      expect(await api(hub, method, route, null, body), `${method} ${route} without a token`).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
      expect(await api(hub, method, route, 'wrong-token-0123456789', body), `${method} ${route} with a wrong token`).toMatchObject({ status: 401 });
      expect((await api(hub, method, `${route}${route.includes('?') ? '&' : '?'}token=${tokens.admin}`, null, body)).status, `${method} ${route} token in query`).toBe(401);
      expect(await api(hub, method, route, tokens.admin, body, { origin: 'https://evil.example' }), `${method} ${route} from a foreign origin`).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    }
    expect(await state(hub)).toEqual(before);
  });
});

describe('revoked tokens', () => {
  it('removed by a reload: live sessions of that token are cut, new ones refused, REST answers 401', async () => {
    t = await startTestHub();
    const hub = t;
    const { billing } = await seeded(hub);
    const agentSocket = hub.connectAgent(tokens.agent2);
    const reviewerSocket = hub.connectReviewer(tokens.reviewer2);
    const keeper = hub.connectReviewer(tokens.reviewer);
    await Promise.all([agentSocket, reviewerSocket, keeper].map(connected));
    const cut = Promise.all([agentSocket, reviewerSocket].map((s) => new Promise<string>((resolve) => s.once('disconnect', resolve))));
    const before = await state(hub);
    const revoked = new Set<string>([tokens.agent2, tokens.reviewer2]);
    hub.hub.reload(parseConfig({ port: 0, dbPath: hub.dbPath, tokens: defaultTokens.filter((x) => !revoked.has(x.token)), demo: { enabled: false }, logLevel: 'silent' }));
    expect(await cut).toEqual(['io server disconnect', 'io server disconnect']);
    expect(keeper.connected).toBe(true);
    expect((await connectError(raw(hub.url, Namespace.agent, tokens.agent2))).data?.code).toBe('unauthorized');
    expect((await connectError(raw(hub.url, Namespace.reviewer, tokens.reviewer2))).data?.code).toBe('unauthorized');
    expect((await api(hub, 'POST', `/api/approvals/${billing.requestId}/decision`, tokens.reviewer2, { approved: true })).status).toBe(401);
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent2, newRequest())).status).toBe(401);
    expect(await state(hub)).toEqual(before);
  });

  it('a token whose role changed on reload loses the old role at once', async () => {
    t = await startTestHub();
    const hub = t;
    const reviewerSocket = hub.connectReviewer(tokens.reviewer2);
    await connected(reviewerSocket);
    const cut = new Promise<string>((resolve) => reviewerSocket.once('disconnect', resolve));
    hub.hub.reload(
      parseConfig({
        port: 0,
        dbPath: hub.dbPath,
        tokens: defaultTokens.map((x) => (x.token === tokens.reviewer2 ? { ...x, role: 'agent' as const } : x)),
        demo: { enabled: false },
        logLevel: 'silent',
      }),
    );
    expect(await cut).toBe('io server disconnect');
    expect((await connectError(raw(hub.url, Namespace.reviewer, tokens.reviewer2))).data?.code).toBe('forbidden');
  });

  // A SQLite hub (its own process, or the store opened directly): run once, in the SQLite project.
  it.skipIf(onPostgres)('removed from the config file: SIGHUP cuts the running process over, and a restart keeps it out', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-revoke-'));
    const configFile = path.join(dir, 'hub.json');
    const port = await freePort();
    const write = (list: typeof defaultTokens) => writeFileSync(configFile, JSON.stringify({ tokens: list, demo: { enabled: false }, logLevel: 'warn', dbPath: path.join(dir, 'hub.db') }));
    write(defaultTokens);
    let proc = startHubProcess(['--config', configFile, '--port', String(port)]);
    try {
      const url = await proc.ready;
      const agent = raw(url, Namespace.agent, tokens.agent2);
      await connected(agent);
      expect((await emitAck(agent, 'approval.sync', { requestIds: [] })).ok).toBe(true);
      const cut = new Promise<string>((resolve) => agent.once('disconnect', resolve));
      write(defaultTokens.filter((x) => x.token !== tokens.agent2));
      proc.child.kill('SIGHUP');
      expect(await cut).toBe('io server disconnect');
      expect((await connectError(raw(url, Namespace.agent, tokens.agent2))).data?.code).toBe('unauthorized');
      // Others keep working through the reload.
      const other = raw(url, Namespace.agent, tokens.agent);
      await connected(other);
      expect((await emitAck(other, 'approval.sync', { requestIds: [] })).ok).toBe(true);

      expect(await proc.stop('SIGTERM')).toBe(0);
      proc = startHubProcess(['--config', configFile, '--port', String(port)]);
      await proc.ready;
      expect((await connectError(raw(url, Namespace.agent, tokens.agent2))).data?.code).toBe('unauthorized');
      const res = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${tokens.agent2}` } });
      expect(res.status).toBe(401);
      const all = await fetch(`${url}/api/approvals`, { headers: { authorization: `Bearer ${tokens.admin}` } });
      expect(((await all.json()) as { items: unknown[] }).items).toEqual([]);
    } finally {
      await proc.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('roles: nobody does what is not theirs', () => {
  it('an agent cannot decide, subscribe or read the audit; a reviewer or admin cannot request or cancel', async () => {
    t = await startTestHub();
    const hub = t;
    const { agent, billing } = await seeded(hub);
    const reviewer = hub.connectReviewer();
    const admin = hub.connectReviewer(tokens.admin);
    const before = await state(hub);
    for (const [event, payload] of [
      ['approval.response', { requestId: billing.requestId, approved: true }],
      ['queue.subscribe', {}],
      ['approval.get', { requestId: billing.requestId }],
    ] as const) {
      expect(await emitAck(agent, event, payload), `agent ${event}`).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    for (const socket of [reviewer, admin]) {
      expect(await emitAck(socket, 'approval.request', newRequest())).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await emitAck(socket, 'approval.cancel', { requestId: billing.requestId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await emitAck(socket, 'approval.sync', { requestIds: [billing.requestId] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(await api(hub, 'POST', `/api/approvals/${billing.requestId}/decision`, tokens.agent, { approved: true })).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await api(hub, 'GET', '/api/audit', tokens.agent)).status).toBe(403);
    expect((await api(hub, 'GET', '/api/audit/head', tokens.agent)).status).toBe(403);
    expect((await api(hub, 'GET', '/api/metrics', tokens.reviewer)).status).toBe(403);
    for (const token of [tokens.reviewer, tokens.admin]) {
      expect((await api(hub, 'POST', '/api/approvals', token, newRequest())).status).toBe(403);
      expect((await api(hub, 'POST', `/api/approvals/${billing.requestId}/cancel`, token, {})).status).toBe(403);
    }
    expect(await state(hub)).toEqual(before);
  });

  it('a reviewer limited to a queue neither sees nor decides outside it, on either transport', async () => {
    t = await startTestHub();
    const hub = t;
    const { billing, ops } = await seeded(hub);
    const olga = hub.connectReviewer(tokens.ops);
    const before = await state(hub);
    expect(await emitAck(olga, 'approval.response', { requestId: billing.requestId, approved: true })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await emitAck(olga, 'approval.get', { requestId: billing.requestId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await emitAck(olga, 'queue.subscribe', { queues: ['billing'] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emitAck(olga, 'queue.subscribe', { queues: ['ops', 'billing'] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const snapshot = await emitAck<QueueSnapshot>(olga, 'queue.subscribe', {});
    expect(snapshot.ok && snapshot.data.pending.map((r) => r.requestId)).toEqual([ops.requestId]);
    expect(await api(hub, 'POST', `/api/approvals/${billing.requestId}/decision`, tokens.ops, { approved: true })).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await api(hub, 'GET', `/api/approvals/${billing.requestId}`, tokens.ops)).status).toBe(404);
    expect((await api(hub, 'GET', `/api/approvals/${billing.requestId}/wait?timeoutMs=0`, tokens.ops)).status).toBe(404);
    expect((await api(hub, 'GET', '/api/approvals?queue=billing', tokens.ops)).body.items).toEqual([]);
    expect((await api(hub, 'GET', '/api/approvals', tokens.ops)).body.items.map((r: ApprovalRecord) => r.requestId)).toEqual([ops.requestId]);
    const audit = (await api(hub, 'GET', '/api/audit', tokens.ops)).body.items as { requestId: string | null; queue: string | null }[];
    expect(audit.every((e) => e.queue === 'ops')).toBe(true);
    expect(audit.some((e) => e.requestId === billing.requestId)).toBe(false);
    expect(await state(hub)).toEqual(before);
    // The refused decisions are on record, as refusals.
    expect((await allAudit(hub.store, { type: ['decision_rejected'] })).map((e) => ({ who: (e.actor as { id?: string }).id, code: (e.data as { code: string }).code }))).toEqual([
      { who: 'olga', code: 'not_found' },
      { who: 'olga', code: 'not_found' },
    ]);
  });

  it("an agent neither sees, syncs, waits on nor cancels another agent's request", async () => {
    t = await startTestHub();
    const hub = t;
    const { billing } = await seeded(hub);
    const stranger = hub.connectAgent(tokens.agent2);
    const before = await state(hub);
    expect(await emitAck(stranger, 'approval.sync', { requestIds: [billing.requestId] })).toEqual({ ok: true, data: [] });
    expect(await emitAck(stranger, 'approval.cancel', { requestId: billing.requestId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // Re-sending its id with other content does not reveal or touch it.
    const resend = await emitAck(stranger, 'approval.request', newRequest({ requestId: billing.requestId }));
    expect(resend).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(JSON.stringify(resend)).not.toContain('send_payment');
    expect((await api(hub, 'GET', `/api/approvals/${billing.requestId}`, tokens.agent2)).status).toBe(404);
    expect((await api(hub, 'GET', `/api/approvals/${billing.requestId}/wait?timeoutMs=0`, tokens.agent2)).status).toBe(404);
    expect((await api(hub, 'POST', `/api/approvals/${billing.requestId}/cancel`, tokens.agent2, {})).status).toBe(404);
    expect((await api(hub, 'GET', '/api/approvals', tokens.agent2)).body.items).toEqual([]);
    expect(await state(hub)).toEqual(before);
  });
});
