import type { ApprovalRecord, ApprovalResponse, AuditVerifyResult, QueueSnapshot } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { api, connected, countAudit, emitAck, eventually, newRequest, once, startTestHub, TestClock, tokens, undeliveredIds, type TestHub } from './support/test-hub.js';

let t: TestHub;
afterEach(async () => {
  await t.close();
});

describe('delivery to agents', () => {
  it('a decision made while the agent is offline arrives when it reconnects, and again until acknowledged', async () => {
    t = await startTestHub();
    const agent = t.connectAgent();
    const input = newRequest();
    await emitAck(agent, 'approval.request', input);
    agent.disconnect();
    const decided = await emitAck<ApprovalRecord>(t.connectReviewer(), 'approval.response', { requestId: input.requestId, approved: false, reason: 'offline test' });
    expect(decided.ok).toBe(true);

    // First reconnection: delivered, but this client does not acknowledge it.
    const first = t.connectAgent(tokens.agent, { autoConnect: false });
    const firstDelivery = new Promise<ApprovalResponse>((resolve) => first.on('approval.response', (payload) => resolve(payload)));
    first.connect();
    expect(await firstDelivery).toMatchObject({ requestId: input.requestId, approved: false, reason: 'offline test', status: 'denied' });
    first.disconnect();
    expect(await undeliveredIds(t.store, 'test-agent')).toHaveLength(1);

    // Second reconnection: delivered again; acknowledged this time, so it is done.
    const second = t.connectAgent(tokens.agent, { autoConnect: false });
    const acked = new Promise<ApprovalResponse>((resolve) =>
      second.on('approval.response', (payload, ack) => {
        ack({ ok: true, data: { requestId: payload.requestId } });
        resolve(payload);
      }),
    );
    second.connect();
    expect((await acked).requestId).toBe(input.requestId);
    await eventually(async () => (await undeliveredIds(t.store, 'test-agent')).length === 0);
    expect(await countAudit(t.store, 'delivered', input.requestId)).toBe(1);
    second.disconnect();

    const third = t.connectAgent(tokens.agent, { autoConnect: false });
    let redelivered = false;
    third.on('approval.response', () => {
      redelivered = true;
    });
    third.connect();
    await connected(third);
    await new Promise((r) => setTimeout(r, 150));
    expect(redelivered).toBe(false);
  });

  it('delivers to every connected socket of the agent and to no other agent', async () => {
    t = await startTestHub();
    const a1 = t.connectAgent();
    const a2 = t.connectAgent();
    const stranger = t.connectAgent(tokens.agent2);
    await Promise.all([a1, a2, stranger].map(connected));
    let strangerGot = false;
    stranger.on('approval.response', () => {
      strangerGot = true;
    });
    const input = newRequest();
    await emitAck(a1, 'approval.request', input);
    const both = Promise.all([once<ApprovalResponse>(a1, 'approval.response'), once<ApprovalResponse>(a2, 'approval.response')]);
    await emitAck(t.connectReviewer(), 'approval.response', { requestId: input.requestId, approved: true });
    const [r1, r2] = await both;
    expect(r1).toEqual(r2);
    await new Promise((r) => setTimeout(r, 100));
    expect(strangerGot).toBe(false);
  });
});

describe('restart', () => {
  it('keeps pending requests, their deadlines and the audit chain across a restart', async () => {
    t = await startTestHub();
    const agent = t.connectAgent();
    const inputs = [newRequest({ queue: 'ops' }), newRequest({ queue: 'billing', timeoutMs: 120_000 })];
    const records: ApprovalRecord[] = [];
    for (const input of inputs) {
      const ack = await emitAck<ApprovalRecord>(agent, 'approval.request', input);
      if (ack.ok) records.push(ack.data);
    }
    const headBefore = (await api(t, 'GET', '/api/audit/head', tokens.admin)).body;
    agent.disconnect();

    t = await t.restart();
    const snapshot = await emitAck<QueueSnapshot>(t.connectReviewer(), 'queue.subscribe', {});
    expect(snapshot.ok && [...snapshot.data.pending].sort((a, b) => a.requestId.localeCompare(b.requestId))).toEqual(
      [...records].sort((a, b) => a.requestId.localeCompare(b.requestId)),
    );
    const verify = (await api(t, 'GET', '/api/audit/verify', tokens.admin)).body as AuditVerifyResult;
    expect(verify).toMatchObject({ ok: true, checked: headBefore.seq, head: { seq: headBefore.seq, hash: headBefore.hash } });

    // A decision after the restart reaches the agent when it comes back.
    const back = t.connectAgent();
    const response = once<ApprovalResponse>(back, 'approval.response');
    await emitAck(t.connectReviewer(), 'approval.response', { requestId: inputs[0]!.requestId, approved: true });
    expect(await response).toMatchObject({ requestId: inputs[0]!.requestId, approved: true });
    // Resending the original request after the restart returns the same decided record.
    const resent = await emitAck<ApprovalRecord>(back, 'approval.request', inputs[0]);
    expect(resent.ok && resent.data.status).toBe('approved');
  });

  it('expires, once, at startup what fell due while the hub was down', async () => {
    const clock = new TestClock();
    t = await startTestHub({}, { clock });
    const input = newRequest({ timeoutMs: 30_000 });
    await emitAck(t.connectAgent(), 'approval.request', input);
    await t.stop();
    clock.advance(31_000);
    t = await t.restart();
    const stored = await t.record(input.requestId);
    expect(stored?.status).toBe('expired');
    expect(stored?.decision).toMatchObject({ approved: false, reason: 'Approval timed out', decidedBy: { kind: 'timeout' } });
    const agent = t.connectAgent();
    expect(await once<ApprovalResponse>(agent, 'approval.response')).toMatchObject({ requestId: input.requestId, status: 'expired', approved: false });
    t = await t.restart();
    expect(await countAudit(t.store, 'expired')).toBe(1);
  });

  it('fires a deadline on its own timer while running', async () => {
    t = await startTestHub();
    const reviewer = t.connectReviewer();
    await emitAck(reviewer, 'queue.subscribe', {});
    const input = newRequest({ timeoutMs: 1000 });
    await emitAck(t.connectAgent(), 'approval.request', input);
    const resolved = await once<ApprovalRecord>(reviewer, 'approval.resolved', 4000);
    expect(resolved).toMatchObject({ requestId: input.requestId, status: 'expired' });
    expect(Date.parse(resolved.decision!.decidedAt)).toBeGreaterThanOrEqual(Date.parse(resolved.expiresAt));
  });
});
