import type { Ack, ApprovalRecord, ApprovalResponse } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { api, collect, countAudit, emitAck, eventually, newRequest, once, startTestHub, tokens, type TestHub } from './support/test-hub.js';

let t: TestHub;
afterEach(async () => {
  await t.close();
});

const quorum = { approval: { quorum: [{ rule: 'big-payments', match: { toolName: 'send_payment', args: { amount: { gte: 1000 } } }, approvals: 2 }] } };

async function payment(hub: TestHub, amount: number) {
  const agent = hub.connectAgent();
  const input = newRequest({ toolName: 'send_payment', args: { to: 'acme', amount } });
  const ack = await emitAck<ApprovalRecord>(agent, 'approval.request', input);
  if (!ack.ok) throw new Error(ack.error.message);
  return { agent, input, record: ack.data };
}

const respond = (hub: TestHub, token: string, body: Record<string, unknown>) => emitAck<ApprovalRecord>(hub.connectReviewer(token), 'approval.response', body);

describe('quorum: several distinct reviewers', () => {
  it('the first approval is counted and broadcast, the same reviewer cannot approve twice, the second decides', async () => {
    t = await startTestHub(quorum);
    const watcher = t.connectReviewer(tokens.admin);
    await emitAck(watcher, 'queue.subscribe', {});
    const resolvedSeen = collect<ApprovalRecord>(watcher, 'approval.resolved');
    // Olga sees only `ops`: nothing of this request's progress reaches her.
    const olga = t.connectReviewer(tokens.ops);
    await emitAck(olga, 'queue.subscribe', {});
    const olgaHeard = [...['approval.updated', 'approval.resolved', 'approval.request'].map((event) => collect(olga, event))];
    const { agent, input, record } = await payment(t, 5000);
    expect(record.quorum).toEqual({ rule: 'big-payments', required: 2, approvals: [] });
    const responses = collect<ApprovalResponse>(agent, 'approval.response');

    const updated = once<ApprovalRecord>(watcher, 'approval.updated');
    const first = await respond(t, tokens.reviewer, { requestId: input.requestId, approved: true });
    expect(first.ok && first.data).toMatchObject({ status: 'pending', quorum: { required: 2, approvals: [{ id: 'alice', name: 'Alice' }] } });
    expect(await updated).toMatchObject({ requestId: input.requestId, status: 'pending', quorum: { approvals: [{ id: 'alice' }] } });
    expect(resolvedSeen).toEqual([]);

    const twice = await respond(t, tokens.reviewer, { requestId: input.requestId, approved: true });
    expect(twice).toMatchObject({ ok: false, error: { code: 'already_approved_by_you' } });
    const twiceRest = await api(t, 'POST', `/api/approvals/${input.requestId}/decision`, tokens.reviewer, { approved: true });
    expect(twiceRest).toMatchObject({ status: 409, body: { error: { code: 'already_approved_by_you' } } });

    const second = await respond(t, tokens.reviewer2, { requestId: input.requestId, approved: true });
    expect(second.ok && second.data).toMatchObject({ status: 'approved', decision: { approved: true, decidedBy: { kind: 'reviewer', id: 'bob' } } });
    await eventually(() => responses.length === 1);
    expect(responses[0]).toMatchObject({ requestId: input.requestId, approved: true });
    expect(await countAudit(t.store, 'quorum_approved', input.requestId)).toBe(1);
    expect(await countAudit(t.store, 'decided', input.requestId)).toBe(1);
    expect((await t.record(input.requestId))?.quorum?.approvals.map((a) => a.id)).toEqual(['alice', 'bob']);
    expect(olgaHeard.flat()).toEqual([]);
    // The chain commits to every quorum change: the stored request still matches it.
    expect((await t.store.verifyAudit({})).ok).toBe(true);
  });

  it('outside the rule (amount below 1000) one approval decides', async () => {
    t = await startTestHub(quorum);
    const { input, record } = await payment(t, 999);
    expect(record.quorum).toBeUndefined();
    expect(await respond(t, tokens.reviewer, { requestId: input.requestId, approved: true })).toMatchObject({ ok: true, data: { status: 'approved' } });
  });

  it('any single deny decides denied, even after approvals', async () => {
    t = await startTestHub({ approval: { quorum: [{ rule: 'three', match: { toolName: 'send_payment' }, approvals: 3 }] } });
    const { input } = await payment(t, 10);
    await respond(t, tokens.reviewer, { requestId: input.requestId, approved: true });
    const denied = await respond(t, tokens.reviewer2, { requestId: input.requestId, approved: false, reason: 'no' });
    expect(denied.ok && denied.data).toMatchObject({ status: 'denied', decision: { approved: false, decidedBy: { id: 'bob' } } });
    expect(await respond(t, tokens.admin, { requestId: input.requestId, approved: true })).toMatchObject({ ok: false, error: { code: 'already_decided' } });
  });

  it('two reviewers approving at the same instant for the last slot: exactly one decision', async () => {
    t = await startTestHub(quorum);
    for (let round = 0; round < 5; round++) {
      const { agent, input } = await payment(t, 2000);
      const responses = collect<ApprovalResponse>(agent, 'approval.response');
      await respond(t, tokens.reviewer, { requestId: input.requestId, approved: true });
      const bob = t.connectReviewer(tokens.reviewer2);
      const root = t.connectReviewer(tokens.admin);
      await Promise.all([emitAck(bob, 'queue.subscribe', {}), emitAck(root, 'queue.subscribe', {})]);
      const acks: Ack<ApprovalRecord>[] = await Promise.all([
        emitAck<ApprovalRecord>(bob, 'approval.response', { requestId: input.requestId, approved: true }),
        emitAck<ApprovalRecord>(root, 'approval.response', { requestId: input.requestId, approved: true }),
      ]);
      const won = acks.filter((a) => a.ok);
      expect(won).toHaveLength(1);
      expect(acks.find((a) => !a.ok)).toMatchObject({ ok: false, error: { code: 'already_decided' } });
      expect(await countAudit(t.store, 'decided', input.requestId)).toBe(1);
      expect((await t.record(input.requestId))?.quorum?.approvals).toHaveLength(2);
      await eventually(() => responses.length >= 1);
      expect(responses).toHaveLength(1);
    }
  });

  it('two first approvals at the same instant both count: one partial, then the decision', async () => {
    t = await startTestHub(quorum);
    const { input } = await payment(t, 3000);
    const acks = await Promise.all([
      respond(t, tokens.reviewer, { requestId: input.requestId, approved: true }),
      respond(t, tokens.reviewer2, { requestId: input.requestId, approved: true }),
    ]);
    expect(acks.map((a) => a.ok && a.data.status).sort()).toEqual(['approved', 'pending']);
    expect(await countAudit(t.store, 'quorum_approved', input.requestId)).toBe(1);
    expect(await countAudit(t.store, 'decided', input.requestId)).toBe(1);
  });

  it('an edit starts the count again: everyone approves the same arguments', async () => {
    t = await startTestHub(quorum);
    const { input } = await payment(t, 5000);
    await respond(t, tokens.reviewer, { requestId: input.requestId, approved: true });
    const edited = { to: 'acme', amount: 4000 };
    const reset = await respond(t, tokens.reviewer2, { requestId: input.requestId, approved: true, args: edited });
    expect(reset.ok && reset.data).toMatchObject({ status: 'pending', quorum: { args: edited, approvals: [{ id: 'bob' }] } });
    expect(reset.ok && reset.data.quorum?.approvals).toHaveLength(1);
    // The edit is a new proposal: a plain approval does not name it, and is refused with what would run.
    const proposal = reset.ok ? reset.data.proposal : undefined;
    expect(proposal).toMatchObject({ args: edited, proposedBy: { id: 'bob', name: 'Bob' } });
    const plain = await respond(t, tokens.reviewer, { requestId: input.requestId, approved: true });
    expect(plain).toMatchObject({ ok: false, error: { code: 'proposal_changed', details: { argsDigest: proposal?.argsDigest, proposal: { args: edited } } } });
    const final = await respond(t, tokens.reviewer, { requestId: input.requestId, approved: true, argsDigest: proposal?.argsDigest });
    expect(final.ok && final.data).toMatchObject({ status: 'approved', decision: { args: edited, modified: true } });
    expect(final.ok && final.data.proposal).toBeUndefined();
  });

  it('an allow grant never decides a request that needs a quorum, and cannot be made on one', async () => {
    t = await startTestHub(quorum);
    const small = await payment(t, 10);
    await respond(t, tokens.reviewer, { requestId: small.input.requestId, approved: true, grant: { match: { args: { amount: { any: true } } } } });
    expect((await payment(t, 20)).record.status).toBe('approved');
    const big = await payment(t, 5000);
    expect(big.record.status).toBe('pending');
    const refused = await respond(t, tokens.reviewer, { requestId: big.input.requestId, approved: true, grant: {} });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });
});
