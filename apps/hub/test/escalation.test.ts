import type { ApprovalMoved, ApprovalRecord, AuditEntry } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { allAudit, collect, countAudit, emitAck, eventually, newRequest, once, startTestHub, TestClock, tokens, type TestHub } from './support/test-hub.js';

let t: TestHub;
afterEach(async () => {
  await t.close();
});

const escalation = (afterMs: number) => ({ approval: { escalation: [{ rule: 'to-ops', match: { toolName: 'delete_*' }, afterMs, toQueue: 'ops' }] } });

async function ask(hub: TestHub, overrides: Record<string, unknown> = {}) {
  const input = newRequest(overrides);
  const ack = await emitAck<ApprovalRecord>(hub.connectAgent(), 'approval.request', input);
  if (!ack.ok) throw new Error(ack.error.message);
  return { input, record: ack.data };
}

describe('escalation', () => {
  it('moves a request still pending after afterMs: old-queue reviewers see it leave, new-queue reviewers see it arrive, the deadline stays', async () => {
    const clock = new TestClock();
    t = await startTestHub(escalation(60_000), { clock });
    const oldQueue = t.connectReviewer(tokens.reviewer);
    await emitAck(oldQueue, 'queue.subscribe', { queues: ['default'] });
    const ops = t.connectReviewer(tokens.ops);
    await emitAck(ops, 'queue.subscribe', {});
    const admin = t.connectReviewer(tokens.admin);
    await emitAck(admin, 'queue.subscribe', {});
    const opsArrivals = collect<ApprovalRecord>(ops, 'approval.request');

    const { input, record } = await ask(t);
    const notCovered = await ask(t, { toolName: 'restart_pod' });
    expect(record.escalation).toMatchObject({ rule: 'to-ops', toQueue: 'ops' });
    expect(Date.parse(record.escalation!.escalateAt) - Date.parse(record.createdAt)).toBe(60_000);
    expect(opsArrivals).toEqual([]);
    // Olga (ops only) cannot decide it yet: outside her queues it does not exist.
    expect(await emitAck(ops, 'approval.response', { requestId: input.requestId, approved: true })).toMatchObject({ ok: false, error: { code: 'not_found' } });

    const left = once<ApprovalMoved>(oldQueue, 'approval.moved');
    const arrived = once<ApprovalRecord>(ops, 'approval.request');
    const adminSaw = once<ApprovalMoved>(admin, 'approval.moved');
    clock.advance(59_000);
    expect(await t.hub.engine.escalateDue()).toEqual([]);
    clock.advance(1_000);
    const moved = await t.hub.engine.escalateDue();
    expect(moved.map((r) => r.requestId)).toEqual([input.requestId]);

    expect(await left).toEqual({ requestId: input.requestId, fromQueue: 'default' });
    const now = await arrived;
    expect(now).toMatchObject({ requestId: input.requestId, queue: 'ops', expiresAt: record.expiresAt, escalation: { fromQueue: 'default', toQueue: 'ops' } });
    expect(await adminSaw).toMatchObject({ requestId: input.requestId, fromQueue: 'default', toQueue: 'ops', record: { queue: 'ops' } });
    expect((await t.record(input.requestId))?.queue).toBe('ops');
    expect((await t.record(notCovered.input.requestId))?.queue).toBe('default');
    const escalated = (await allAudit(t.store, { type: ['escalated'] })) as AuditEntry[];
    expect(escalated).toHaveLength(1);
    expect(escalated[0]).toMatchObject({ requestId: input.requestId, queue: 'ops', actor: { kind: 'hub' }, data: { fromQueue: 'default', toQueue: 'ops', rule: 'to-ops' } });

    // Escalated once only, and now Olga decides it.
    expect(await t.hub.engine.escalateDue()).toEqual([]);
    expect(await emitAck(ops, 'approval.response', { requestId: input.requestId, approved: true })).toMatchObject({ ok: true, data: { status: 'approved', queue: 'ops' } });
    expect(opsArrivals).toHaveLength(1);
  });

  it('the timer moves it by itself, and a decided request is never moved', async () => {
    t = await startTestHub(escalation(1000));
    const ops = t.connectReviewer(tokens.ops);
    await emitAck(ops, 'queue.subscribe', {});
    const arrived = once<ApprovalRecord>(ops, 'approval.request', 5000);
    const decided = await ask(t);
    const waiting = await ask(t);
    await emitAck(t.connectReviewer(), 'approval.response', { requestId: decided.input.requestId, approved: false });
    expect((await arrived).requestId).toBe(waiting.input.requestId);
    expect((await t.record(decided.input.requestId))?.queue).toBe('default');
    expect(await countAudit(t.store, 'escalated')).toBe(1);
  });

  it('a request whose escalation fell due while the hub was down is escalated on start', async () => {
    const clock = new TestClock();
    t = await startTestHub(escalation(60_000), { clock });
    const { input, record } = await ask(t);
    await t.stop();
    clock.advance(120_000);
    t = await t.restart();
    await eventually(async () => (await t.record(input.requestId))?.queue === 'ops');
    const after = await t.record(input.requestId);
    expect(after).toMatchObject({ status: 'pending', queue: 'ops', expiresAt: record.expiresAt, escalation: { fromQueue: 'default' } });
    expect(await countAudit(t.store, 'escalated', input.requestId)).toBe(1);
    const verify = await t.store.verifyAudit({});
    expect(verify.ok).toBe(true);
  });
});
