import type { ApprovalRecord } from '@approval-hub/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allRequests, api, collect, countAudit, emitAck, eventually, newRequest, once, startTestHub, timelineTypes, tokens, type TestHub } from './support/test-hub.js';

let t: TestHub;
beforeEach(async () => {
  t = await startTestHub();
});
afterEach(async () => {
  await t.close();
});

describe('approval.request', () => {
  it('commits, acks the pending record and announces it to reviewers', async () => {
    const reviewer = t.connectReviewer();
    const other = t.connectReviewer(tokens.reviewer2);
    expect((await emitAck(reviewer, 'queue.subscribe', {})).ok).toBe(true);
    const announced = once<ApprovalRecord>(reviewer, 'approval.request');
    const agent = t.connectAgent();
    const input = newRequest({ description: 'Delete a pod', conversationId: 'conv-9', queue: 'ops', agentName: 'ops-agent' });

    const ack = await emitAck<ApprovalRecord>(agent, 'approval.request', input);

    expect(ack.ok).toBe(true);
    if (!ack.ok) return;
    expect(ack.data).toMatchObject({ requestId: input.requestId, status: 'pending', toolName: 'delete_pod', args: input.args, agentName: 'ops-agent', runId: 'run-1', conversationId: 'conv-9', description: 'Delete a pod', queue: 'ops' });
    expect(Date.parse(ack.data.expiresAt) - Date.parse(ack.data.createdAt)).toBe(300_000);
    expect(await announced).toEqual(ack.data);
    // A reviewer that never subscribed hears nothing.
    const unsubscribed = collect(other, 'approval.request');
    await new Promise((r) => setTimeout(r, 100));
    expect(unsubscribed).toEqual([]);
    expect((await allRequests(t.store)).map((r) => [r.requestId, r.status, r.queue])).toEqual([[input.requestId, 'pending', 'ops']]);
    expect(await timelineTypes(t.store, input.requestId)).toEqual(['requested']);
  });

  it('defaults agentName to the token name and queue to "default"', async () => {
    const ack = await emitAck<ApprovalRecord>(t.connectAgent(), 'approval.request', newRequest());
    expect(ack.ok && ack.data).toMatchObject({ agentName: 'test-agent', queue: 'default' });
  });

  it('is idempotent on requestId: a re-send returns the same record and writes nothing', async () => {
    const agent = t.connectAgent();
    const reviewer = t.connectReviewer();
    await emitAck(reviewer, 'queue.subscribe', {});
    const seen = collect(reviewer, 'approval.request');
    const input = newRequest();
    const first = await emitAck<ApprovalRecord>(agent, 'approval.request', input);
    const again = await Promise.all([emitAck(agent, 'approval.request', input), emitAck(agent, 'approval.request', input)]);
    expect(again).toEqual([first, first]);
    await eventually(() => seen.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toHaveLength(1);
    expect(await allRequests(t.store)).toHaveLength(1);
    expect(await countAudit(t.store, 'requested')).toBe(1);
  });

  it('refuses the same requestId with different content as conflict, and from another agent too', async () => {
    const input = newRequest();
    await emitAck(t.connectAgent(), 'approval.request', input);
    const changed = await emitAck(t.connectAgent(), 'approval.request', { ...input, args: { name: 'other' } });
    expect(changed).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const foreign = await emitAck(t.connectAgent(tokens.agent2), 'approval.request', input);
    expect(foreign).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await allRequests(t.store)).toHaveLength(1);
  });

  it.each([
    ['a missing toolName', { ...newRequest(), toolName: undefined }],
    ['an extra field', { ...newRequest(), sneaky: 1 }],
    ['args that are an array', { ...newRequest(), args: [1] }],
    ['a __proto__ key', { ...newRequest(), args: JSON.parse('{"__proto__":{"x":1}}') }],
    ['a string payload', 'hello'],
    ['a timeout above the maximum', { ...newRequest(), timeoutMs: 10 * 86_400_000 }],
  ])('answers invalid_payload for %s, writing no request', async (_label, payload) => {
    const ack = await emitAck(t.connectAgent(), 'approval.request', payload);
    expect(ack).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    if (!ack.ok) expect(ack.error.message).toMatch(/Invalid approval.request|timeoutMs/);
    expect(await allRequests(t.store)).toHaveLength(0);
    await eventually(async () => (await countAudit(t.store, 'input_rejected')) === 1);
  });

  it('answers payload_too_large just over the limit and accepts just under it', async () => {
    const small = await startTestHub({ limits: { maxPayloadBytes: 4096 } });
    try {
      const agent = small.connectAgent();
      const base = newRequest({ args: { blob: '' } });
      const overhead = Buffer.byteLength(JSON.stringify(base));
      const under = await emitAck(agent, 'approval.request', { ...base, args: { blob: 'x'.repeat(4096 - overhead) } });
      expect(under.ok).toBe(true);
      const over = await emitAck(agent, 'approval.request', { ...newRequest(), args: { blob: 'x'.repeat(4096) } });
      expect(over).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
      expect(await allRequests(small.store)).toHaveLength(1);
      // The connection survives and keeps working.
      expect((await emitAck(agent, 'approval.sync', { requestIds: [] })).ok).toBe(true);
    } finally {
      await small.close();
    }
  });

  it('throttles only the flooding socket with rate_limited', async () => {
    const limited = await startTestHub({ limits: { ratePerSecond: 5, rateBurst: 5 } });
    try {
      const flooder = limited.connectAgent();
      const calm = limited.connectAgent(tokens.agent2);
      const acks = await Promise.all(Array.from({ length: 12 }, () => emitAck(flooder, 'approval.sync', { requestIds: [] })));
      expect(acks.filter((a) => !a.ok && a.error.code === 'rate_limited').length).toBeGreaterThanOrEqual(6);
      expect((await emitAck(calm, 'approval.sync', { requestIds: [] })).ok).toBe(true);
    } finally {
      await limited.close();
    }
  });

  it('answers unknown events and events of the other role', async () => {
    const agent = t.connectAgent();
    expect(await emitAck(agent, 'approval.hack', {})).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    const decide = await emitAck(agent, 'approval.response', { requestId: 'x', approved: true });
    expect(decide).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

describe('approval.sync and approval.cancel', () => {
  it('sync returns the current record of each own request and leaves out others', async () => {
    const agent = t.connectAgent();
    const mine = newRequest();
    await emitAck(agent, 'approval.request', mine);
    const theirs = newRequest();
    await emitAck(t.connectAgent(tokens.agent2), 'approval.request', theirs);
    const ack = await emitAck<ApprovalRecord[]>(agent, 'approval.sync', { requestIds: [mine.requestId, theirs.requestId, 'unknown'] });
    expect(ack.ok && ack.data.map((r) => r.requestId)).toEqual([mine.requestId]);
  });

  it('cancel moves a pending request to cancelled and out of every reviewer queue', async () => {
    const reviewer = t.connectReviewer();
    await emitAck(reviewer, 'queue.subscribe', {});
    const agent = t.connectAgent();
    const input = newRequest();
    await emitAck(agent, 'approval.request', input);
    const resolved = once<ApprovalRecord>(reviewer, 'approval.resolved');
    const ack = await emitAck<ApprovalRecord>(agent, 'approval.cancel', { requestId: input.requestId, reason: 'user changed their mind' });
    expect(ack.ok && ack.data.status).toBe('cancelled');
    expect((await resolved).status).toBe('cancelled');
    const snapshot = await emitAck<{ pending: ApprovalRecord[] }>(t.connectReviewer(tokens.reviewer2), 'queue.subscribe', {});
    expect(snapshot.ok && snapshot.data.pending).toEqual([]);
    expect(await emitAck(agent, 'approval.cancel', { requestId: input.requestId })).toMatchObject({ ok: false, error: { code: 'already_decided' } });
    expect(await emitAck(t.connectAgent(tokens.agent2), 'approval.cancel', { requestId: input.requestId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await timelineTypes(t.store, input.requestId)).toEqual(['requested', 'cancelled']);
  });

  it('a cancel, over the socket or REST, is announced with approval.cancelled to every socket of that agent and to no other', async () => {
    const asker = t.connectAgent();
    const sibling = t.connectAgent(); // another process on the same token
    const stranger = t.connectAgent(tokens.agent2);
    await emitAck(stranger, 'approval.sync', { requestIds: [] });
    const strangerHeard = collect(stranger, 'approval.cancelled');
    const bySocket = newRequest();
    const byRest = newRequest();
    await emitAck(asker, 'approval.request', bySocket);
    await emitAck(asker, 'approval.request', byRest);
    await emitAck(sibling, 'approval.sync', { requestIds: [] });

    const toSibling = once(sibling, 'approval.cancelled');
    const toAsker = once(asker, 'approval.cancelled');
    await emitAck(asker, 'approval.cancel', { requestId: bySocket.requestId, reason: 'run stopped' });
    const notice = await toSibling;
    expect(notice).toEqual({ requestId: bySocket.requestId, status: 'cancelled', reason: 'run stopped', cancelledAt: expect.any(String) });
    expect(await toAsker).toEqual(notice);

    const again = once(sibling, 'approval.cancelled');
    expect((await api(t, 'POST', `/api/approvals/${byRest.requestId}/cancel`, tokens.agent)).status).toBe(200);
    expect(await again).toEqual({ requestId: byRest.requestId, status: 'cancelled', cancelledAt: expect.any(String) });

    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(strangerHeard).toEqual([]);
  });
});
