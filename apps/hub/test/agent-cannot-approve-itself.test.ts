import { Writable } from 'node:stream';
import type { ApprovalRecord } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../src/runtime/clock.js';
import { createLogger } from '../src/runtime/logger.js';
import { api, defaultTokens, emitAck, newRequest, startTestHub, TestClock, tokens, type TestHub } from './support/test-hub.js';

/**
 * Issue #9: a product whose purpose is to stop an agent from acting on its own cannot let the agent approve itself,
 * neither by claiming another identity, nor by posting where it should not, nor by letting time decide.
 */

let t: TestHub | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const ciToken = 'trusted-ci-token-0123456789';
const opsBotToken = 'ops-bot-token-0123456789';
const tokensWithCi = [
  ...defaultTokens,
  { token: ciToken, role: 'agent' as const, name: 'trusted-ci', id: 'ci-bot' },
  { token: opsBotToken, role: 'agent' as const, name: 'ops-bot', queues: ['ops', 'ops-night'] },
];

describe('identity comes from the token, never from what the agent claims', () => {
  const policies = [
    { rule: 'ci-may-drop', match: { agentName: 'trusted-ci', queue: 'prod' }, action: 'approve' as const },
    { rule: 'ci-bot-reads', match: { principal: 'ci-bot', toolName: 'read_table' }, action: 'approve' as const },
    { rule: 'deny-prod', match: { queue: 'prod' }, action: 'deny' as const, reason: 'prod is off limits' },
  ];

  it('an untrusted token claiming agentName "trusted-ci" is matched as itself: the deny rule applies, not the CI rule', async () => {
    t = await startTestHub({ tokens: tokensWithCi, approval: { policies } });
    const hub = t;
    const attack = newRequest({ toolName: 'drop_table', args: { table: 'users' }, queue: 'prod', agentName: 'trusted-ci' });
    const ack = await emitAck<ApprovalRecord>(hub.connectAgent(tokens.agent), 'approval.request', attack);
    expect(ack).toMatchObject({ ok: true, data: { status: 'denied', decision: { approved: false, decidedBy: { kind: 'policy', rule: 'deny-prod' } } } });
    // The claim is kept as a label only; the identity is the token's.
    expect(ack.ok && ack.data.agent).toEqual({ id: 'test-agent', name: 'test-agent' });
    expect(ack.ok && ack.data.agentName).toBe('trusted-ci');

    // Over REST, and claiming the CI bot's principal id as a name, the same.
    const rest = await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest({ toolName: 'read_table', args: {}, queue: 'prod', agentName: 'ci-bot' }));
    expect(rest).toMatchObject({ status: 201, body: { status: 'denied', decision: { decidedBy: { kind: 'policy', rule: 'deny-prod' } } } });

    // The real CI token gets its rules.
    const ci = await api(hub, 'POST', '/api/approvals', ciToken, newRequest({ toolName: 'drop_table', args: { table: 't' }, queue: 'prod' }));
    expect(ci).toMatchObject({ status: 201, body: { status: 'approved', decision: { decidedBy: { kind: 'policy', rule: 'ci-may-drop' } } } });
    const ciRead = await api(hub, 'POST', '/api/approvals', ciToken, newRequest({ toolName: 'read_table', args: {}, queue: 'prod', agentName: 'someone-else' }));
    expect(ciRead).toMatchObject({ status: 201, body: { status: 'approved', decision: { decidedBy: { kind: 'policy', rule: 'ci-may-drop' } } } });
    expect((await hub.record(attack.requestId))?.status).toBe('denied');
  });

  it('a claimed agentName does not move the agent\'s quota onto another name', async () => {
    t = await startTestHub({ tokens: tokensWithCi, limits: { maxPendingPerAgent: 1 } });
    const hub = t;
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest({ agentName: 'one' }))).status).toBe(201);
    expect(await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest({ agentName: 'two' }))).toMatchObject({ status: 429, body: { error: { code: 'quota_exceeded' } } });
  });
});

describe('agent tokens with queues', () => {
  it('cannot post elsewhere (forbidden, nothing written); a request without a queue goes to the token\'s first queue', async () => {
    t = await startTestHub({ tokens: tokensWithCi, approval: { policies: [{ rule: 'auto-billing', match: { queue: 'billing' }, action: 'approve' }] } });
    const hub = t;
    const elsewhere = newRequest({ queue: 'billing' });
    const refused = await api(hub, 'POST', '/api/approvals', opsBotToken, elsewhere);
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const bySocket = await emitAck(hub.connectAgent(opsBotToken), 'approval.request', newRequest({ queue: 'default' }));
    expect(bySocket).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await hub.record(elsewhere.requestId)).toBeNull();
    expect(await hub.store.timeline(elsewhere.requestId)).toEqual([]);

    const unnamed = await api(hub, 'POST', '/api/approvals', opsBotToken, newRequest());
    expect(unnamed).toMatchObject({ status: 201, body: { queue: 'ops', status: 'pending' } });
    expect((await api(hub, 'POST', '/api/approvals', opsBotToken, newRequest({ queue: 'ops-night' }))).body.queue).toBe('ops-night');
    // A token without queues still posts anywhere, and defaults to "default".
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).body.queue).toBe('default');
  });
});

describe('time cannot approve', () => {
  it('approval.minTimeoutMs and a queue\'s minTimeoutMs refuse shorter deadlines; an unlisted queue is refused', async () => {
    t = await startTestHub({
      approval: { minTimeoutMs: 10_000, defaultOnTimeout: 'approve' },
      queues: [{ name: 'default' }, { name: 'prod', minTimeoutMs: 60_000 }],
    });
    const hub = t;
    const short = newRequest({ timeoutMs: 1000 });
    expect(await api(hub, 'POST', '/api/approvals', tokens.agent, short)).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload', details: { fieldErrors: { timeoutMs: [expect.stringContaining('10000')] } } } } });
    expect(await hub.record(short.requestId)).toBeNull();
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest({ timeoutMs: 10_000 }))).status).toBe(201);

    expect(await emitAck(hub.connectAgent(), 'approval.request', newRequest({ queue: 'prod', timeoutMs: 30_000 }))).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    const prod = await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest({ queue: 'prod', timeoutMs: 60_000 }));
    expect(prod.status).toBe(201);
    // Without a timeoutMs, the default is raised to the queue's minimum.
    const unset = await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest({ queue: 'prod' }));
    expect(Date.parse(unset.body.expiresAt) - Date.parse(unset.body.createdAt)).toBeGreaterThanOrEqual(60_000);

    const unknown = newRequest({ queue: 'nobody-watches', timeoutMs: 60_000 });
    expect(await api(hub, 'POST', '/api/approvals', tokens.agent, unknown)).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload' } } });
    expect(await hub.record(unknown.requestId)).toBeNull();
  });

  it('a wall clock that jumps +2 h while monotonic time does not expires nothing early', async () => {
    const wall = new TestClock();
    let mono = 1_000;
    const clock: Clock & { advanceMonotonic(ms: number): void } = {
      now: () => wall.now(),
      monotonic: () => mono,
      advanceMonotonic: (ms) => {
        mono += ms;
      },
    };
    t = await startTestHub({ approval: { defaultOnTimeout: 'approve', clockStepToleranceMs: 1000 } }, { clock });
    const hub = t;
    const agent = hub.connectAgent();
    const a = newRequest({ timeoutMs: 60_000 });
    const b = newRequest({ timeoutMs: 60_000 });
    expect((await emitAck(agent, 'approval.request', a)).ok).toBe(true);
    expect((await emitAck(agent, 'approval.request', b)).ok).toBe(true);

    wall.advance(2 * 60 * 60 * 1000);
    expect(await hub.hub.engine.expireDue()).toEqual([]);
    expect((await hub.record(a.requestId))?.status).toBe('pending');
    // A reviewer still has the time the deadline promised.
    expect(await api(hub, 'POST', `/api/approvals/${a.requestId}/decision`, tokens.reviewer, { approved: false })).toMatchObject({ status: 200, body: { status: 'denied' } });

    // Once the deadline has really elapsed, it expires (as configured).
    clock.advanceMonotonic(61_000);
    const expired = await hub.hub.engine.expireDue();
    expect(expired.map((r) => [r.requestId, r.status, r.decision?.approved])).toEqual([[b.requestId, 'expired', true]]);
  });

  it('defaultOnTimeout "approve" logs a warning at start; "deny" does not', async () => {
    const lines: { level: number; event?: string; key?: string; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as (typeof lines)[number]);
        done();
      },
    });
    t = await startTestHub({ approval: { defaultOnTimeout: 'approve' } }, { logger: createLogger('info', sink) });
    const warning = lines.find((l) => l.event === 'config.dangerous');
    expect(warning).toMatchObject({ level: 40, key: 'approval.defaultOnTimeout' });
    expect(warning!.msg).toMatch(/APPROVED/);
    await t.close();

    lines.length = 0;
    t = await startTestHub({}, { logger: createLogger('info', sink) });
    expect(lines.some((l) => l.event === 'config.dangerous')).toBe(false);
    expect(lines.some((l) => l.msg === 'hub listening')).toBe(true);
  });
});
