import type { ApprovalRecord, ApprovalResponse, AuditType } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRacers, raceConfig, raceDecisions } from '../support/decision-race.js';
import { chaosSeed, seededRandom } from '../support/seeded-random.js';
import { allRequests, api, collect, connected, countAudit, emitAck, eventually, newRequest, once, startTestHub, TestClock, tokens, type TestHub } from '../support/test-hub.js';

let t: TestHub | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const auditCount = (hub: TestHub, type: AuditType, requestId: string) => countAudit(hub.store, type, requestId);

describe('reviewers racing on one request', () => {
  const seed = chaosSeed();
  it.each([2, 5, 20])('%i reviewers at the same instant: one decision, every loser told the winner, every attempt audited', async (count) => {
    // A frozen clock: every attempt carries the same time, so nothing but the order of commits can pick the winner.
    t = await startTestHub(raceConfig, { clock: new TestClock() });
    const rng = seededRandom(seed + count);
    const agent = t.connectAgent();
    const sockets = await connectRacers(t, count);
    for (let round = 0; round < 5; round++) {
      const { problems } = await raceDecisions(t, agent, sockets, count, rng, round % 2 === 1);
      expect(problems, `round ${round}, seed ${seed}`).toEqual([]);
    }
  });
});

describe('duplicate requests from client retries', () => {
  it('the same request sent many times at once, over both transports, is one row, one announcement, one ack value', async () => {
    t = await startTestHub({ limits: { ratePerSecond: 10_000, rateBurst: 10_000 } });
    const hub = t;
    const reviewer = hub.connectReviewer();
    await emitAck(reviewer, 'queue.subscribe', {});
    const announced = collect<ApprovalRecord>(reviewer, 'approval.request');
    const [a, b] = [hub.connectAgent(), hub.connectAgent()];
    await Promise.all([connected(a), connected(b)]);
    const input = newRequest({ timeoutMs: 60_000 });
    const acks = await Promise.all([
      ...Array.from({ length: 10 }, () => emitAck<ApprovalRecord>(a, 'approval.request', input)),
      ...Array.from({ length: 5 }, () => emitAck<ApprovalRecord>(b, 'approval.request', input)),
      ...Array.from({ length: 5 }, () => api(hub, 'POST', '/api/approvals', tokens.agent, input).then((r) => ({ ok: r.status === 200 || r.status === 201, data: r.body }) as { ok: true; data: ApprovalRecord })),
    ]);
    expect(acks.every((ack) => ack.ok)).toBe(true);
    expect(new Set(acks.map((ack) => JSON.stringify(ack.ok && ack.data))).size).toBe(1);
    await sleep(50);
    expect(announced.map((r) => r.requestId)).toEqual([input.requestId]);
    expect(await allRequests(hub.store)).toHaveLength(1);
    expect(await auditCount(hub, 'requested', input.requestId)).toBe(1);

    // A retry that differs is refused without touching the row, and so is the same id from another agent.
    expect(await emitAck(a, 'approval.request', { ...input, args: { name: 'other' } })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await emitAck(hub.connectAgent(tokens.agent2), 'approval.request', input)).toMatchObject({ ok: false, error: { code: 'conflict' } });
    // After the decision, a retry returns the decided record (what a client that lost the ack needs).
    await emitAck(reviewer, 'approval.response', { requestId: input.requestId, approved: true });
    const late = await emitAck<ApprovalRecord>(b, 'approval.request', input);
    expect(late.ok && late.data.status).toBe('approved');
    expect(await auditCount(hub, 'requested', input.requestId)).toBe(1);
  });
});

describe('deadlines', () => {
  it.each([
    [-1, 'approved'],
    [0, 'expired'],
    [1, 'expired'],
  ] as const)('a decision %i ms from the deadline: %s', async (offset, status) => {
    const clock = new TestClock();
    t = await startTestHub({}, { clock });
    const agent = t.connectAgent();
    const input = newRequest({ timeoutMs: 60_000 });
    await emitAck(agent, 'approval.request', input);
    const heard = collect<ApprovalResponse>(agent, 'approval.response');
    clock.advance(60_000 + offset);
    const ack = await emitAck<ApprovalRecord>(t.connectReviewer(), 'approval.response', { requestId: input.requestId, approved: true });
    if (status === 'approved') expect(ack).toMatchObject({ ok: true, data: { status: 'approved' } });
    else expect(ack).toMatchObject({ ok: false, error: { code: 'expired', details: { status: 'expired', decision: { decidedBy: { kind: 'timeout' } } } } });
    await t.hub.engine.expireDue();
    await eventually(() => heard.length === 1);
    await sleep(30);
    expect(heard).toHaveLength(1);
    expect(heard[0]!.status).toBe(status);
    expect(await auditCount(t, 'expired', input.requestId)).toBe(status === 'expired' ? 1 : 0);
    expect((await auditCount(t, 'decided', input.requestId)) + (await auditCount(t, 'expired', input.requestId))).toBe(1);
    if (status === 'expired') expect(await auditCount(t, 'decision_rejected', input.requestId)).toBe(1);
  });

  it('the deadline timer and a decision at the same instant: exactly one of them wins', async () => {
    const clock = new TestClock();
    t = await startTestHub({}, { clock });
    const agent = t.connectAgent();
    const reviewer = t.connectReviewer();
    await connected(reviewer);
    for (let i = 0; i < 10; i++) {
      const input = newRequest({ timeoutMs: 5000 });
      await emitAck(agent, 'approval.request', input);
      clock.advance(i % 2 === 0 ? 5000 : 4999);
      const [, ack] = await Promise.all([t.hub.engine.expireDue(), emitAck<ApprovalRecord>(reviewer, 'approval.response', { requestId: input.requestId, approved: true })]);
      const finals = (await auditCount(t, 'expired', input.requestId)) + (await auditCount(t, 'decided', input.requestId));
      expect(finals).toBe(1);
      const status = (await t.record(input.requestId))!.status;
      expect(status).toBe(i % 2 === 0 ? 'expired' : 'approved');
      expect(ack.ok).toBe(status === 'approved');
    }
  });

  it('a clock that jumps forward fires due deadlines once, within a second, from the timer itself', async () => {
    const clock = new TestClock();
    t = await startTestHub({}, { clock });
    const agent = t.connectAgent();
    const heard = collect<ApprovalResponse>(agent, 'approval.response');
    const inputs = [newRequest({ timeoutMs: 60_000 }), newRequest({ timeoutMs: 3_600_000 }), newRequest({ timeoutMs: 7_200_000 })];
    for (const input of inputs) await emitAck(agent, 'approval.request', input);
    clock.advance(3_600_000); // one hour: two of the three are due
    await eventually(() => heard.length === 2, 4000);
    await sleep(1200); // another timer round: nothing fires twice
    expect(heard.map((r) => r.requestId).sort()).toEqual([inputs[0]!.requestId, inputs[1]!.requestId].sort());
    expect(await countAudit(t.store, 'expired')).toBe(2);
    expect((await t.record(inputs[2]!.requestId))?.status).toBe('pending');
  });

  it('a clock that jumps back neither fires early nor undoes an expiry; the deadline still holds by the hub clock', async () => {
    const clock = new TestClock();
    t = await startTestHub({}, { clock });
    const agent = t.connectAgent();
    const heard = collect<ApprovalResponse>(agent, 'approval.response');
    const expiredFirst = newRequest({ timeoutMs: 1000 });
    const waiting = newRequest({ timeoutMs: 60_000 });
    await emitAck(agent, 'approval.request', expiredFirst);
    await emitAck(agent, 'approval.request', waiting);
    clock.advance(1000);
    await eventually(() => heard.length === 1, 4000);

    clock.advance(-2 * 3_600_000); // two hours back
    await sleep(1200);
    expect(heard).toHaveLength(1);
    expect((await allRequests(t.store)).map((r) => [r.requestId, r.status])).toEqual([
      [expiredFirst.requestId, 'expired'],
      [waiting.requestId, 'pending'],
    ]);
    // Forward to 1 ms before the original deadline (created at 0, due at 60 s; the clock reads 1 s - 2 h), then onto it.
    clock.advance(2 * 3_600_000 + 58_999);
    await sleep(1200);
    expect(heard).toHaveLength(1);
    clock.advance(1);
    await eventually(() => heard.length === 2, 4000);
    expect(heard[1]).toMatchObject({ requestId: waiting.requestId, status: 'expired' });
    expect(await countAudit(t.store, 'expired')).toBe(2);
    expect(await api(t, 'GET', '/api/audit/verify', tokens.admin)).toMatchObject({ body: { ok: true } });
  });

  it('a clock corrected backwards while an expiry is being written never dates the expiry before its deadline', async () => {
    const clock = new TestClock();
    t = await startTestHub({}, { clock });
    const agent = t.connectAgent();
    const byTimer = newRequest({ timeoutMs: 5000 });
    const byLateDecision = newRequest({ timeoutMs: 6000 });
    await emitAck(agent, 'approval.request', byTimer);
    await emitAck(agent, 'approval.request', byLateDecision);
    clock.advance(5000);
    // Each call decides by the clock as it reads it now; the write lands a moment later, after the correction.
    const expiring = t.hub.engine.expireDue();
    clock.advance(-60_000);
    await expiring;
    clock.advance(61_000);
    const reviewer = { id: 'alice', name: 'Alice', role: 'reviewer' as const, queues: null };
    const late = t.hub.engine.decide(reviewer, { requestId: byLateDecision.requestId, approved: true });
    clock.advance(-60_000);
    expect(await late).toMatchObject({ ok: false, error: { code: 'expired' } });
    const records = await allRequests(t.store);
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(record.status).toBe('expired');
      expect(Date.parse(record.decision!.decidedAt), record.requestId).toBeGreaterThanOrEqual(Date.parse(record.expiresAt));
    }
  });

  it('a deadline holds across a restart: not reset, not early, fired once', async () => {
    const clock = new TestClock();
    t = await startTestHub({}, { clock });
    const input = newRequest({ timeoutMs: 60_000 });
    await emitAck(t.connectAgent(), 'approval.request', input);
    clock.advance(30_000);
    t = await t.restart();
    clock.advance(29_999);
    await t.hub.engine.expireDue();
    expect((await allRequests(t.store)).map((r) => r.status)).toEqual(['pending']);
    const agent = t.connectAgent();
    const response = once<ApprovalResponse>(agent, 'approval.response', 3000);
    clock.advance(1);
    expect(await response).toMatchObject({ requestId: input.requestId, status: 'expired' });
    t = await t.restart();
    await t.hub.engine.expireDue();
    expect(await countAudit(t.store, 'expired')).toBe(1);
  });
});
