import type { ApprovalRecord } from '@approval-hub/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, emitAck, newRequest, once, startTestHub, TestClock, tokens, undeliveredIds, type TestHub } from './support/test-hub.js';

let t: TestHub;
let clock: TestClock;
beforeEach(async () => {
  clock = new TestClock();
  t = await startTestHub({}, { clock });
});
afterEach(async () => {
  await t.close();
});

describe('REST approvals', () => {
  it('lets an HTTP-only agent request, long-poll and receive a decision', async () => {
    const input = newRequest({ queue: 'ops' });
    const created = await api(t, 'POST', '/api/approvals', tokens.agent, input);
    expect(created).toMatchObject({ status: 201, body: { requestId: input.requestId, status: 'pending', queue: 'ops' } });
    expect(await api(t, 'POST', '/api/approvals', tokens.agent, input)).toEqual({ status: 200, body: created.body });
    expect(await api(t, 'POST', '/api/approvals', tokens.agent, { ...input, args: { other: true } })).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });

    const waiting = api(t, 'GET', `/api/approvals/${input.requestId}/wait?timeoutMs=5000`, tokens.agent);
    await new Promise((r) => setTimeout(r, 50));
    const decided = await api(t, 'POST', `/api/approvals/${input.requestId}/decision`, tokens.reviewer, { approved: true, args: { name: 'canary' } });
    expect(decided).toMatchObject({ status: 200, body: { status: 'approved', decision: { modified: true, args: { name: 'canary' } } } });
    expect(await waiting).toMatchObject({ status: 200, body: { status: 'approved', decision: { args: { name: 'canary' } } } });
    expect(await undeliveredIds(t.store, 'test-agent')).toHaveLength(0);
  });

  it('a long-poll that times out returns the pending record', async () => {
    const input = newRequest();
    await api(t, 'POST', '/api/approvals', tokens.agent, input);
    expect(await api(t, 'GET', `/api/approvals/${input.requestId}/wait?timeoutMs=50`, tokens.agent)).toMatchObject({ status: 200, body: { status: 'pending' } });
    expect(await api(t, 'GET', `/api/approvals/${input.requestId}/wait?timeoutMs=50`, tokens.agent2)).toMatchObject({ status: 404 });
  });

  it('maps every decision error to its status code', async () => {
    const input = newRequest({ queue: 'billing', timeoutMs: 10_000 });
    await api(t, 'POST', '/api/approvals', tokens.agent, input);
    const path = `/api/approvals/${input.requestId}/decision`;
    expect(await api(t, 'POST', path, tokens.reviewer, '{not json')).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload' } } });
    expect(await api(t, 'POST', path, tokens.reviewer, { approved: 'yes' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload' } } });
    expect(await api(t, 'POST', path, tokens.ops, { approved: true })).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await api(t, 'POST', path, tokens.reviewer, { approved: true, reason: 'x'.repeat(70_000) })).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    const win = await api(t, 'POST', path, tokens.reviewer, { approved: false, reason: 'first' });
    expect(win.status).toBe(200);
    expect(await api(t, 'POST', path, tokens.reviewer2, { approved: true })).toEqual({ status: 409, body: { error: { code: 'already_decided', message: expect.any(String), details: win.body } } });

    const late = newRequest({ timeoutMs: 10_000 });
    await api(t, 'POST', '/api/approvals', tokens.agent, late);
    clock.advance(10_001);
    expect(await api(t, 'POST', `/api/approvals/${late.requestId}/decision`, tokens.reviewer, { approved: true })).toMatchObject({ status: 410, body: { error: { code: 'expired', details: { status: 'expired' } } } });
  });

  it('answers 429 when one token floods', async () => {
    const limited = await startTestHub({ limits: { ratePerSecond: 2, rateBurst: 3 } });
    try {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await api(limited, 'GET', '/api/me', tokens.reviewer)).status);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
      expect((await api(limited, 'GET', '/api/me', tokens.reviewer2)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('lists with filters and cursor paging, within the reader\'s queues', async () => {
    const agent = t.connectAgent();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const input = newRequest({ queue: i % 2 === 0 ? 'ops' : 'billing', toolName: i < 3 ? 'delete_pod' : 'send_payment', conversationId: 'c1' });
      ids.push(input.requestId);
      await emitAck(agent, 'approval.request', input);
    }
    await api(t, 'POST', `/api/approvals/${ids[0]}/decision`, tokens.reviewer, { approved: true });

    const page1 = await api(t, 'GET', '/api/approvals?limit=2', tokens.reviewer);
    expect(page1.body.items.map((r: ApprovalRecord) => r.requestId)).toEqual([ids[4], ids[3]]);
    const page2 = await api(t, 'GET', `/api/approvals?limit=2&cursor=${page1.body.nextCursor}`, tokens.reviewer);
    expect(page2.body.items.map((r: ApprovalRecord) => r.requestId)).toEqual([ids[2], ids[1]]);
    const page3 = await api(t, 'GET', `/api/approvals?limit=2&cursor=${page2.body.nextCursor}`, tokens.reviewer);
    expect(page3.body).toMatchObject({ items: [{ requestId: ids[0] }], nextCursor: null });

    expect((await api(t, 'GET', '/api/approvals?status=approved', tokens.reviewer)).body.items.map((r: ApprovalRecord) => r.requestId)).toEqual([ids[0]]);
    expect((await api(t, 'GET', '/api/approvals?status=pending&toolName=send_payment', tokens.reviewer)).body.items).toHaveLength(2);
    expect((await api(t, 'GET', '/api/approvals', tokens.ops)).body.items.every((r: ApprovalRecord) => r.queue === 'ops')).toBe(true);
    expect((await api(t, 'GET', '/api/approvals?queue=billing', tokens.ops)).body.items).toEqual([]);
    expect((await api(t, 'GET', '/api/approvals', tokens.agent2)).body.items).toEqual([]);
    expect(await api(t, 'GET', '/api/approvals?status=bogus', tokens.reviewer)).toMatchObject({ status: 400 });
    expect(await api(t, 'GET', '/api/approvals?cursor=zzzz', tokens.reviewer)).toMatchObject({ status: 400 });
    expect(await api(t, 'GET', '/api/approvals?limit=100000', tokens.reviewer)).toMatchObject({ status: 400 });
  });

  it('serves one record with its timeline, and hides it outside the reader\'s queues', async () => {
    const input = newRequest({ queue: 'billing' });
    await api(t, 'POST', '/api/approvals', tokens.agent, input);
    const detail = await api(t, 'GET', `/api/approvals/${input.requestId}`, tokens.reviewer);
    expect(detail).toMatchObject({ status: 200, body: { requestId: input.requestId, status: 'pending', timeline: [{ type: 'requested' }] } });
    expect(await api(t, 'GET', `/api/approvals/${input.requestId}`, tokens.ops)).toMatchObject({ status: 404 });
    expect(await api(t, 'GET', `/api/approvals/${input.requestId}`, tokens.agent)).toMatchObject({ status: 200 });
    expect(await api(t, 'GET', `/api/approvals/${input.requestId}`, tokens.agent2)).toMatchObject({ status: 404 });
    expect(await api(t, 'GET', '/api/approvals/bad%20id', tokens.reviewer)).toMatchObject({ status: 400 });
  });

  it('cancels over REST and tells reviewers', async () => {
    const reviewer = t.connectReviewer();
    await emitAck(reviewer, 'queue.subscribe', {});
    const input = newRequest();
    await api(t, 'POST', '/api/approvals', tokens.agent, input);
    const resolved = once<ApprovalRecord>(reviewer, 'approval.resolved');
    expect(await api(t, 'POST', `/api/approvals/${input.requestId}/cancel`, tokens.agent, { reason: 'done' })).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect((await resolved).status).toBe('cancelled');
  });

  it('pages and filters the audit log by queue visibility', async () => {
    const a = newRequest({ queue: 'ops' });
    const b = newRequest({ queue: 'billing' });
    await api(t, 'POST', '/api/approvals', tokens.agent, a);
    await api(t, 'POST', '/api/approvals', tokens.agent, b);
    await api(t, 'POST', `/api/approvals/${a.requestId}/decision`, tokens.ops, { approved: true });
    const all = await api(t, 'GET', '/api/audit', tokens.admin);
    expect(all.body.items.map((e: { type: string }) => e.type)).toEqual(['decided', 'requested', 'requested']);
    const ops = await api(t, 'GET', '/api/audit', tokens.ops);
    expect(ops.body.items.every((e: { queue: string }) => e.queue === 'ops')).toBe(true);
    const decided = await api(t, 'GET', `/api/audit?type=decided&requestId=${a.requestId}`, tokens.reviewer);
    expect(decided.body.items).toHaveLength(1);
    const paged = await api(t, 'GET', '/api/audit?limit=1', tokens.admin);
    expect(paged.body.nextCursor).toEqual(expect.any(String));
    expect(await api(t, 'GET', '/api/audit?since=yesterday', tokens.admin)).toMatchObject({ status: 400 });
  });

  it('answers unknown routes with a JSON not_found', async () => {
    expect(await api(t, 'GET', '/api/nope', tokens.admin)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });

  it('reads bodies and refuses bad input the hub\'s own way: any Content-Type, strict UTF-8, bare ids, the closed envelope', async () => {
    const raw = (method: string, route: string, body: string | Uint8Array | undefined, headers: Record<string, string>) =>
      fetch(`${t.url}${route}`, { method, headers: { authorization: `Bearer ${tokens.agent}`, ...headers }, ...(body === undefined ? {} : { body }) }).then(async (res) => ({ status: res.status, body: (await res.json()) as { error?: { code: string; message: string; details?: unknown } } }));
    // A JSON body is read as JSON whatever its Content-Type says, or without one (no 415).
    expect((await raw('POST', '/api/approvals', JSON.stringify(newRequest()), { 'content-type': 'text/plain' })).status).toBe(201);
    expect((await raw('POST', '/api/approvals', JSON.stringify(newRequest()), {})).status).toBe(201);
    // Bytes that are not UTF-8, and text that is not JSON, are invalid_payload with their own message.
    expect(await raw('POST', '/api/approvals', new Uint8Array([0x7b, 0xff, 0x7d]), { 'content-type': 'application/json' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload', message: 'Request body is not valid UTF-8' } } });
    expect(await raw('POST', '/api/approvals', '{nope', { 'content-type': 'application/json' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload', message: 'Request body is not valid JSON' } } });
    // A schema refusal names what was wrong, with zod's flattened issues.
    const refused = await raw('POST', '/api/approvals', JSON.stringify({ ...newRequest(), toolName: 7 }), { 'content-type': 'application/json' });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload', message: expect.stringMatching(/^Invalid approval request: toolName: /), details: { fieldErrors: { toolName: [expect.any(String)] } } } } });
    // An id is refused as the bare value, before any body is read.
    const badId = await raw('POST', `/api/approvals/${'x'.repeat(300)}/cancel`, '{nope', { 'content-type': 'application/json' });
    expect(badId).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload', message: expect.stringMatching(/^Invalid request id: (?!id: )/), details: { formErrors: [expect.any(String)], fieldErrors: {} } } } });
    expect(await raw('GET', '/api/approvals?limit=nope', undefined, {})).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload', message: expect.stringMatching(/^Invalid query: limit: /) } } });
    // The role is checked on the route before its input: an agent may not decide, whatever it sends.
    expect(await raw('POST', `/api/approvals/${'x'.repeat(300)}/decision`, '{nope', {})).toMatchObject({ status: 403, body: { error: { code: 'forbidden', message: 'Not allowed for the agent role' } } });
  });
});
