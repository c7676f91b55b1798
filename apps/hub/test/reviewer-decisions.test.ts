import type { ApprovalDetail, ApprovalRecord, ApprovalResponse, QueueSnapshot } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { allRequests, collect, connected, countAudit, emitAck, eventually, newRequest, once, startTestHub, TestClock, tokens, undeliveredIds, type TestHub } from './support/test-hub.js';

let t: TestHub;
afterEach(async () => {
  await t.close();
});

async function pendingRequest(hub: TestHub, overrides: Record<string, unknown> = {}) {
  const agent = hub.connectAgent();
  const input = newRequest(overrides);
  const ack = await emitAck<ApprovalRecord>(agent, 'approval.request', input);
  if (!ack.ok) throw new Error(ack.error.message);
  return { agent, input, record: ack.data };
}

describe('approval.response from a reviewer', () => {
  it('approves: the agent receives the decision, reviewers the resolved record, the database both', async () => {
    t = await startTestHub();
    const watcher = t.connectReviewer(tokens.reviewer2);
    await emitAck(watcher, 'queue.subscribe', {});
    const { agent, input } = await pendingRequest(t);
    const response = once<ApprovalResponse>(agent, 'approval.response');
    const resolved = once<ApprovalRecord>(watcher, 'approval.resolved');

    const ack = await emitAck<ApprovalRecord>(t.connectReviewer(), 'approval.response', { requestId: input.requestId, approved: true, reason: 'looks fine' });

    expect(ack.ok).toBe(true);
    if (!ack.ok) return;
    expect(ack.data.status).toBe('approved');
    expect(ack.data.decision).toMatchObject({ approved: true, reason: 'looks fine', args: input.args, modified: false, decidedBy: { kind: 'reviewer', id: 'alice', name: 'Alice' } });
    expect(await response).toEqual({ requestId: input.requestId, approved: true, status: 'approved', reason: 'looks fine', args: input.args, modified: false, decidedBy: ack.data.decision!.decidedBy, decidedAt: ack.data.decision!.decidedAt });
    expect(await resolved).toEqual(ack.data);
    // This bare client sent no receipt, so the decision stays queued for redelivery.
    expect(await undeliveredIds(t.store, 'test-agent')).toEqual([input.requestId]);
    expect((await t.record(input.requestId))?.status).toBe('approved');
  });

  it('denies with a reason, and edits: modified only when the arguments really changed', async () => {
    t = await startTestHub();
    const reviewer = t.connectReviewer();
    const first = await pendingRequest(t);
    const denied = await emitAck<ApprovalRecord>(reviewer, 'approval.response', { requestId: first.input.requestId, approved: false, reason: 'not in business hours' });
    expect(denied.ok && denied.data).toMatchObject({ status: 'denied', decision: { approved: false, reason: 'not in business hours', modified: false } });

    const second = await pendingRequest(t);
    const edited = { name: 'web-canary', namespace: 'staging' };
    const response = once<ApprovalResponse>(second.agent, 'approval.response');
    const ack = await emitAck<ApprovalRecord>(reviewer, 'approval.response', { requestId: second.input.requestId, approved: true, args: edited });
    expect(ack.ok && ack.data.decision).toMatchObject({ approved: true, args: edited, modified: true });
    expect(await response).toMatchObject({ approved: true, args: edited, modified: true });

    const third = await pendingRequest(t);
    const same = await emitAck<ApprovalRecord>(reviewer, 'approval.response', { requestId: third.input.requestId, approved: true, args: third.input.args });
    expect(same.ok && same.data.decision?.modified).toBe(false);

    const bad = await emitAck(reviewer, 'approval.response', { requestId: third.input.requestId, approved: false, args: {} });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });

  it('gives exactly one decision when reviewers race; every loser learns the winner', async () => {
    t = await startTestHub();
    const { input } = await pendingRequest(t);
    const reviewers = [t.connectReviewer(), t.connectReviewer(tokens.reviewer2), t.connectReviewer(tokens.admin)];
    await Promise.all(reviewers.map(connected));
    const acks = await Promise.all(reviewers.map((r, i) => emitAck<ApprovalRecord>(r, 'approval.response', { requestId: input.requestId, approved: i % 2 === 0 })));
    const winners = acks.filter((a) => a.ok);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.ok ? winners[0]!.data : null;
    for (const loser of acks.filter((a) => !a.ok)) {
      expect(loser).toMatchObject({ ok: false, error: { code: 'already_decided', details: winner } });
    }
    expect(await countAudit(t.store, 'decided', input.requestId)).toBe(1);
    expect(await countAudit(t.store, 'decision_rejected', input.requestId)).toBe(2);
  });

  it('answers expired after the deadline, exactly at it too, and expires the request once', async () => {
    const clock = new TestClock();
    t = await startTestHub({}, { clock });
    const { agent, input } = await pendingRequest(t, { timeoutMs: 60_000 });
    const response = once<ApprovalResponse>(agent, 'approval.response');
    clock.advance(60_000);
    const late = await emitAck<ApprovalRecord>(t.connectReviewer(), 'approval.response', { requestId: input.requestId, approved: true });
    expect(late).toMatchObject({ ok: false, error: { code: 'expired', details: { status: 'expired' } } });
    expect(await response).toMatchObject({ status: 'expired', approved: false, reason: 'Approval timed out', decidedBy: { kind: 'timeout' } });
    await t.hub.engine.expireDue();
    expect(await countAudit(t.store, 'expired')).toBe(1);
  });

  it('a decision one millisecond before the deadline still wins', async () => {
    const clock = new TestClock();
    t = await startTestHub({}, { clock });
    const { input } = await pendingRequest(t, { timeoutMs: 60_000 });
    clock.advance(59_999);
    const ack = await emitAck<ApprovalRecord>(t.connectReviewer(), 'approval.response', { requestId: input.requestId, approved: true });
    expect(ack.ok && ack.data.status).toBe('approved');
  });

  it('times out by the configured default, approving when told to', async () => {
    const clock = new TestClock();
    t = await startTestHub({ approval: { defaultOnTimeout: 'approve' } }, { clock });
    const reviewer = t.connectReviewer();
    await emitAck(reviewer, 'queue.subscribe', {});
    const { agent, input } = await pendingRequest(t, { timeoutMs: 5000 });
    const resolved = once<ApprovalRecord>(reviewer, 'approval.resolved');
    const response = once<ApprovalResponse>(agent, 'approval.response');
    clock.advance(5000);
    await t.hub.engine.expireDue();
    expect(await resolved).toMatchObject({ requestId: input.requestId, status: 'expired', decision: { approved: true, decidedBy: { kind: 'timeout' } } });
    expect(await response).toMatchObject({ approved: true, status: 'expired' });
  });
});

describe('queues and visibility', () => {
  it('a reviewer limited to ops sees and decides only ops; others get not_found', async () => {
    t = await startTestHub();
    const ops = t.connectReviewer(tokens.ops);
    const snapshot = await emitAck<QueueSnapshot>(ops, 'queue.subscribe', {});
    expect(snapshot.ok && snapshot.data.queues).toEqual(['ops']);
    const seen = collect<ApprovalRecord>(ops, 'approval.request');
    const billing = await pendingRequest(t, { queue: 'billing', toolName: 'send_payment' });
    const opsReq = await pendingRequest(t, { queue: 'ops' });
    await eventually(() => seen.length === 1);
    expect(seen.map((r) => r.requestId)).toEqual([opsReq.input.requestId]);
    expect(await emitAck(ops, 'approval.response', { requestId: billing.input.requestId, approved: true })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await emitAck(ops, 'approval.response', { requestId: 'does-not-exist', approved: true })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await emitAck(ops, 'approval.get', { requestId: billing.input.requestId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await emitAck(ops, 'queue.subscribe', { queues: ['billing'] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await t.record(billing.input.requestId))?.status).toBe('pending');
  });

  it('queue.subscribe returns the pending set with the server time, and a narrower subscription replaces the wider one', async () => {
    const clock = new TestClock();
    t = await startTestHub({}, { clock });
    const a = await pendingRequest(t, { queue: 'ops', timeoutMs: 10_000 });
    const b = await pendingRequest(t, { queue: 'billing', timeoutMs: 5_000 });
    const reviewer = t.connectReviewer();
    const all = await emitAck<QueueSnapshot>(reviewer, 'queue.subscribe', {});
    expect(all.ok && all.data).toEqual({ pending: [b.record, a.record], serverTime: new Date(clock.now()).toISOString(), queues: null, nextCursor: null });
    const narrow = await emitAck<QueueSnapshot>(reviewer, 'queue.subscribe', { queues: ['ops'] });
    expect(narrow.ok && narrow.data.pending.map((r) => r.requestId)).toEqual([a.input.requestId]);
    const seen = collect<ApprovalRecord>(reviewer, 'approval.request');
    await pendingRequest(t, { queue: 'billing' });
    const c = await pendingRequest(t, { queue: 'ops' });
    await eventually(() => seen.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.map((r) => r.requestId)).toEqual([c.input.requestId]);
  });

  it('approval.get returns the record with its audit timeline', async () => {
    t = await startTestHub();
    const { input } = await pendingRequest(t);
    const reviewer = t.connectReviewer();
    await emitAck(reviewer, 'approval.response', { requestId: input.requestId, approved: false, reason: 'no' });
    const detail = await emitAck<ApprovalDetail>(reviewer, 'approval.get', { requestId: input.requestId });
    expect(detail.ok).toBe(true);
    if (!detail.ok) return;
    expect(detail.data).toMatchObject({ requestId: input.requestId, status: 'denied' });
    expect(detail.data.timeline.map((e) => e.type).slice(0, 2)).toEqual(['requested', 'decided']);
    expect(detail.data.timeline[1]).toMatchObject({ actor: { kind: 'reviewer', id: 'alice' }, data: { approved: false, reason: 'no' } });
  });

  it('reviewers cannot request and agents cannot decide', async () => {
    t = await startTestHub();
    const reviewer = t.connectReviewer();
    expect(await emitAck(reviewer, 'approval.request', newRequest())).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await allRequests(t.store)).toHaveLength(0);
  });
});
