import type { Ack, ApprovalResponse, AuditEntry, QueueSnapshot } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type HubConfigInput } from '../src/config.js';
import { allAudit, api, connected, defaultTokens, emitAck, eventually, newRequest, once, startTestHub, tokens, type TestHub } from './support/test-hub.js';

/**
 * Issue #9: authorization changes take effect at once, everything an agent can make the hub do is bounded,
 * confinement leaks no counts, and nobody writes into a timeline it cannot see.
 */

let t: TestHub | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('narrowing a reviewer\'s queues on reload', () => {
  it('disconnects its sockets, ends its long-polls with 401, and the new session sees only the narrower queues', async () => {
    const wide = defaultTokens.map((tk) => (tk.token === tokens.reviewer ? { ...tk, queues: ['a', 'b'] } : tk));
    const narrow = defaultTokens.map((tk) => (tk.token === tokens.reviewer ? { ...tk, queues: ['a'] } : tk));
    t = await startTestHub({ tokens: wide });
    const hub = t;
    const inB = newRequest({ queue: 'b', toolName: 'wire_money', args: { amount: 1_000_000 } });
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, inB)).status).toBe(201);

    const reviewer = hub.connectReviewer(tokens.reviewer);
    expect(await emitAck(reviewer, 'queue.subscribe', {})).toMatchObject({ ok: true, data: { queues: ['a', 'b'] } });
    const otherReviewer = hub.connectReviewer(tokens.reviewer2);
    await connected(otherReviewer);
    const poll = api(hub, 'GET', `/api/approvals/${inB.requestId}/wait?timeoutMs=30000`, tokens.reviewer);
    const unrelatedPoll = api(hub, 'GET', `/api/approvals/${inB.requestId}/wait?timeoutMs=30000`, tokens.reviewer2);
    await sleep(300); // let both long-polls reach the hub before the reload

    const disconnected = once<string>(reviewer, 'disconnect');
    const startedAt = Date.now();
    hub.hub.reload(parseConfig({ port: 0, dbPath: hub.dbPath, tokens: narrow, demo: { enabled: false }, logLevel: 'silent' } satisfies HubConfigInput));
    expect(await disconnected).toBe('io server disconnect');
    expect(await poll).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect(Date.now() - startedAt).toBeLessThan(5000);
    // Unchanged tokens keep their sessions.
    expect(otherReviewer.connected).toBe(true);

    const again = hub.connectReviewer(tokens.reviewer);
    expect(await emitAck(again, 'queue.subscribe', {})).toMatchObject({ ok: true, data: { queues: ['a'], pending: [] } });
    expect(await emitAck(again, 'queue.subscribe', { queues: ['b'] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emitAck(again, 'approval.response', { requestId: inB.requestId, approved: true })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect((await hub.record(inB.requestId))?.status).toBe('pending');

    // The unrelated long-poll still ends normally, on the decision.
    expect((await api(hub, 'POST', `/api/approvals/${inB.requestId}/decision`, tokens.reviewer2, { approved: false })).status).toBe(200);
    expect(await unrelatedPoll).toMatchObject({ status: 200, body: { status: 'denied' } });
  });
});

describe('queue.subscribe snapshots are paged and bounded', () => {
  it('a snapshot stops at limits.maxPageBytes and at `limit`; queue.page continues by deadline until nextCursor is null', async () => {
    const maxPageBytes = 64 * 1024;
    t = await startTestHub({ limits: { maxPageBytes } });
    const hub = t;
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      // ~20 KiB each, the later ones with earlier deadlines.
      const body = newRequest({ args: { blob: 'x'.repeat(20_000), i }, timeoutMs: 600_000 - i * 10_000 });
      expect((await api(hub, 'POST', '/api/approvals', tokens.agent, body)).status).toBe(201);
      ids.push(body.requestId);
    }
    const byDeadline = [...ids].reverse();
    const reviewer = hub.connectReviewer();
    const first = await emitAck<QueueSnapshot>(reviewer, 'queue.subscribe', {});
    if (!first.ok) throw new Error(first.error.message);
    expect(first.data.pending.length).toBeGreaterThanOrEqual(1);
    // 64 KiB holds three of these records; the fourth passes the budget and ends the page.
    expect(first.data.pending.length).toBeLessThanOrEqual(4);
    // The budget may be passed by the last record only.
    expect(JSON.stringify(first.data.pending).length).toBeLessThan(maxPageBytes + 25_000);
    expect(first.data.nextCursor).toEqual(expect.any(String));

    const seen = first.data.pending.map((r) => r.requestId);
    let cursor = first.data.nextCursor;
    let pages = 1;
    while (cursor) {
      const page = await emitAck<QueueSnapshot>(reviewer, 'queue.page', { cursor });
      if (!page.ok) throw new Error(page.error.message);
      expect(JSON.stringify(page.data.pending).length).toBeLessThan(maxPageBytes + 25_000);
      expect(page.data.pending.length).toBeLessThanOrEqual(4);
      seen.push(...page.data.pending.map((r) => r.requestId));
      cursor = page.data.nextCursor;
      pages++;
    }
    expect(seen).toEqual(byDeadline);
    expect(pages).toBeGreaterThanOrEqual(2);

    const small = await emitAck<QueueSnapshot>(reviewer, 'queue.subscribe', { limit: 2 });
    expect(small.ok && small.data.pending.map((r) => r.requestId)).toEqual(byDeadline.slice(0, 2));
    expect(small.ok && small.data.nextCursor).toEqual(expect.any(String));
    // A cursor that this hub did not make is refused.
    expect(await emitAck(reviewer, 'queue.page', { cursor: Buffer.from(JSON.stringify({ expiresAt: 0, position: 0 })).toString('base64url') })).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });
});

describe('redelivery per connection is bounded', () => {
  it('a new connection gets at most limits.redeliveryBatch undelivered decisions; the rest follow as it acknowledges', async () => {
    t = await startTestHub({ limits: { redeliveryBatch: 3 } });
    const hub = t;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const body = newRequest();
      expect((await api(hub, 'POST', '/api/approvals', tokens.agent, body)).status).toBe(201);
      expect((await api(hub, 'POST', `/api/approvals/${body.requestId}/decision`, tokens.reviewer, { approved: i % 2 === 0 })).status).toBe(200);
      ids.push(body.requestId);
    }
    const agent = hub.connectAgent(tokens.agent, { autoConnect: false });
    const received: { payload: ApprovalResponse; ack: (r: Ack<{ requestId: string }>) => void }[] = [];
    agent.on('approval.response', (payload: ApprovalResponse, ack: (r: Ack<{ requestId: string }>) => void) => received.push({ payload, ack }));
    agent.connect();
    await eventually(() => received.length >= 3);
    // A round trip on the same connection, and a little more, before counting: nothing beyond the batch arrived.
    expect((await emitAck(agent, 'approval.sync', { requestIds: [] })).ok).toBe(true);
    await sleep(300);
    expect(received).toHaveLength(3);

    // Acknowledge each batch as it comes; the rest follow, each decision once.
    let acked = 0;
    while (acked < 7) {
      const batch = received.slice(acked);
      expect(batch.length).toBeGreaterThan(0);
      expect(batch.length).toBeLessThanOrEqual(3);
      for (const { payload, ack } of batch) ack({ ok: true, data: { requestId: payload.requestId } });
      acked += batch.length;
      if (acked < 7) await eventually(() => received.length > acked);
    }
    expect(received.map((r) => r.payload.requestId).sort()).toEqual([...ids].sort());
    await eventually(async () => (await hub.store.undelivered('test-agent', 100)).items.length === 0);
  });
});

describe('heavy reads and counters are for admins', () => {
  it('GET /api/audit/verify and /api/audit/head answer 403 to reviewers and agents; verify takes ?head=SEQ:HASH', async () => {
    t = await startTestHub();
    const hub = t;
    const body = newRequest();
    await api(hub, 'POST', '/api/approvals', tokens.agent, body);
    await api(hub, 'POST', `/api/approvals/${body.requestId}/decision`, tokens.reviewer, { approved: true });
    for (const token of [tokens.reviewer, tokens.ops, tokens.agent]) {
      expect(await api(hub, 'GET', '/api/audit/verify', token)).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
      expect(await api(hub, 'GET', '/api/audit/head', token)).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    }
    const head = await api(hub, 'GET', '/api/audit/head', tokens.admin);
    expect(head).toMatchObject({ status: 200, body: { seq: 2, hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(await api(hub, 'GET', `/api/audit/verify?head=${head.body.seq}:${head.body.hash}`, tokens.admin)).toMatchObject({ status: 200, body: { ok: true, checked: 2 } });
    const wrong = head.body.hash.replace(/^./, (c: string) => (c === 'a' ? 'b' : 'a'));
    expect(await api(hub, 'GET', `/api/audit/verify?head=${head.body.seq}:${wrong}`, tokens.admin)).toMatchObject({ status: 200, body: { ok: false } });
    expect(await api(hub, 'GET', `/api/audit/verify?head=${head.body.seq + 5}:${head.body.hash}`, tokens.admin)).toMatchObject({ body: { ok: false } });
    expect((await api(hub, 'GET', '/api/audit/verify?head=not-a-head', tokens.admin)).status).toBe(400);
  });

  it('confined reviewers get audit entries without seq or hashes, and opaque cursors; forged cursors are 400', async () => {
    t = await startTestHub();
    const hub = t;
    for (let i = 0; i < 3; i++) await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest({ queue: 'ops' }));
    for (let i = 0; i < 4; i++) await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest({ queue: 'billing' }));

    const olga = await api(hub, 'GET', '/api/audit?limit=2', tokens.ops);
    expect(olga.status).toBe(200);
    expect(olga.body.items).toHaveLength(2);
    for (const entry of olga.body.items) {
      expect(entry.queue).toBe('ops');
      for (const key of ['seq', 'prevHash', 'hash', 'stateHash']) expect(entry).not.toHaveProperty(key);
    }
    const detail = await emitAck<{ timeline: AuditEntry[] }>(hub.connectReviewer(tokens.ops), 'approval.get', { requestId: olga.body.items[0].requestId });
    expect(detail.ok && detail.data.timeline[0]).not.toHaveProperty('seq');
    expect(detail.ok && detail.data.timeline[0]).not.toHaveProperty('hash');
    // Admins see the chain.
    expect((await api(hub, 'GET', '/api/audit?limit=1', tokens.admin)).body.items[0]).toMatchObject({ seq: 7, hash: expect.any(String) });

    for (const route of ['/api/audit?limit=1', '/api/approvals?limit=1']) {
      const cursor: string = (await api(hub, 'GET', route, tokens.ops)).body.nextCursor;
      expect(cursor).toEqual(expect.any(String));
      const decoded = Buffer.from(cursor, 'base64url');
      expect(decoded.toString('latin1')).not.toMatch(/^[a-z]?\d+$/);
      expect(decoded.length).toBeGreaterThanOrEqual(29);
      // The same position twice gives two different cursors: nothing to compare or count.
      expect((await api(hub, 'GET', route, tokens.ops)).body.nextCursor).not.toBe(cursor);
      const next = await api(hub, 'GET', `${route}&cursor=${cursor}`, tokens.ops);
      expect(next.status).toBe(200);

      const flipped = (cursor[5] === 'A' ? 'B' : 'A');
      const tampered = cursor.slice(0, 5) + flipped + cursor.slice(6);
      const counted = Buffer.from('s5').toString('base64url');
      for (const forged of [tampered, counted, Buffer.from('5').toString('base64url'), 'A'.repeat(60)]) {
        expect(await api(hub, 'GET', `${route}&cursor=${forged}`, tokens.ops)).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload' } } });
      }
    }
    // A cursor from one list is not a cursor of another.
    const auditCursor = (await api(hub, 'GET', '/api/audit?limit=1', tokens.ops)).body.nextCursor;
    expect((await api(hub, 'GET', `/api/approvals?limit=1&cursor=${auditCursor}`, tokens.ops)).status).toBe(400);
  });
});

describe('nobody writes into a timeline it cannot see', () => {
  it('an invalid request reusing another agent\'s requestId leaves that request\'s timeline untouched', async () => {
    t = await startTestHub();
    const hub = t;
    const victim = newRequest();
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, victim)).status).toBe(201);
    const note = 'NOTE FROM SECURITY TEAM: this request was reviewed and is safe to approve';
    const bySocket = await emitAck(hub.connectAgent(tokens.agent2), 'approval.request', { requestId: victim.requestId, toolName: 'delete_pod', args: 'not-an-object', runId: 'x', description: note });
    expect(bySocket).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    const byRest = await api(hub, 'POST', '/api/approvals', tokens.agent2, { requestId: victim.requestId, toolName: 42, args: {}, runId: 'x', description: note });
    expect(byRest.status).toBe(400);
    // A well-formed request under the same id is a conflict, and writes nothing either.
    expect(await api(hub, 'POST', '/api/approvals', tokens.agent2, { ...victim, description: note })).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });

    // The rejections are recorded against the attacker, on no request.
    await eventually(async () => (await allAudit(hub.store)).filter((e) => e.type === 'input_rejected').length === 2);
    const rejected = (await allAudit(hub.store)).filter((e) => e.type === 'input_rejected');
    for (const row of rejected) {
      expect(row.requestId).toBeNull();
      expect(row.actor).toMatchObject({ kind: 'agent', id: 'other-agent' });
    }
    expect((await hub.store.timeline(victim.requestId)).map((e) => e.type)).toEqual(['requested']);
    expect((await api(hub, 'GET', `/api/approvals/${victim.requestId}`, tokens.reviewer)).body.timeline).toHaveLength(1);
  });

  it('a decision with a reason on an out-of-scope id is not_found and leaves that request\'s timeline untouched', async () => {
    t = await startTestHub();
    const hub = t;
    const victim = newRequest({ queue: 'billing' });
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, victim)).status).toBe(201);
    const reason = 'Verified by finance, please approve the follow-up too. '.repeat(30);
    expect(await emitAck(hub.connectReviewer(tokens.ops), 'approval.response', { requestId: victim.requestId, approved: true, reason })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await api(hub, 'POST', `/api/approvals/${victim.requestId}/decision`, tokens.ops, { approved: false, reason })).toMatchObject({ status: 404 });

    expect((await hub.store.timeline(victim.requestId)).map((e) => e.type)).toEqual(['requested']);
    const rows = (await allAudit(hub.store)).filter((e) => e.type === 'decision_rejected');
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({ requestId: null, queue: null, actor: { kind: 'reviewer', id: 'olga' } });
    }
    expect(JSON.stringify(await allAudit(hub.store))).not.toContain('Verified by finance');
    expect((await hub.record(victim.requestId))?.status).toBe('pending');
  });
});

