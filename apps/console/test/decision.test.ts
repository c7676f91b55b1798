import type { ApprovalRecord } from '@approval-hub/protocol';
import { describe, expect, it } from 'vitest';
import { T0, decided, pending, syncedStore } from './fixtures';

function setup() {
  const a = pending({ toolName: 'payments.refund', agentName: 'support-bot' });
  const b = pending({ createdMs: T0 + 1 });
  const ctx = syncedStore([a, b]);
  ctx.store.getState().select(a.requestId);
  return { ...ctx, a, b, s: () => ctx.store.getState() };
}

const okAck = (record: ApprovalRecord) => ({ type: 'ack' as const, ack: { ok: true as const, data: record } });
const errAck = (code: 'already_decided' | 'expired' | 'not_found' | 'rate_limited' | 'invalid_payload' | 'internal', details?: unknown) => ({
  type: 'ack' as const,
  ack: { ok: false as const, error: { code, message: `hub says ${code}`, ...(details !== undefined ? { details } : {}) } },
});

describe('decisions in flight', () => {
  it('a decision is sent once: a second one for the same request is refused while the first is in flight', () => {
    const { s, a } = setup();
    expect(s().startDecision(a.requestId, 'approve', null).ok).toBe(true);
    expect(s().decisions[a.requestId]).toEqual({ phase: 'sending', kind: 'approve', sentArgs: null });
    expect(s().startDecision(a.requestId, 'deny', null)).toEqual({ ok: false, reason: 'A decision for this request is on its way.' });
    // Nothing is removed before the ack: no optimistic lie.
    expect(s().items.has(a.requestId)).toBe(true);
  });

  it('is refused while not connected', () => {
    const { s, a } = setup();
    s().setConnection('reconnecting');
    expect(s().startDecision(a.requestId, 'approve', null)).toEqual({ ok: false, reason: 'Not connected to the hub: decisions are paused.' });
    s().setConnection('offline');
    expect(s().checkActionable(a.requestId).ok).toBe(false);
  });

  it('is refused for an expired request, judged by the hub clock', () => {
    const { s, a, clock } = setup();
    clock.advance(119_000);
    expect(s().checkActionable(a.requestId).ok).toBe(true);
    clock.advance(1_000);
    expect(s().checkActionable(a.requestId)).toEqual({ ok: false, reason: 'This request has expired.' });
  });

  it('ok ack: the request leaves, the selection moves on quietly, and the notice says what was done', () => {
    const { s, a, b } = setup();
    s().startDecision(a.requestId, 'approve', null);
    s().settleDecision(a.requestId, okAck(decided(a, 'approved', { kind: 'reviewer', id: 'rev-1', name: 'Alice' })));
    expect(s().items.has(a.requestId)).toBe(false);
    expect(s().decisions).toEqual({});
    expect(s().selectedId).toBe(b.requestId);
    expect(s().departedNote).toBeNull();
    expect(s().autoMovedAt).toBeNull();
    expect(s().notices.at(-1)).toMatchObject({ tone: 'success', text: 'Approved payments.refund from support-bot.' });
  });

  it('ok ack for an edit whose recorded args differ from what was sent warns', () => {
    const { s, a } = setup();
    s().startDecision(a.requestId, 'edit', { amount: 10 });
    s().settleDecision(a.requestId, okAck(decided(a, 'approved', { kind: 'reviewer', id: 'rev-1', name: 'Alice' }, { args: { amount: 1000 } })));
    expect(s().notices.map((n) => n.tone)).toEqual(['success', 'warning']);
  });

  it('already_decided: shows who won and what they decided', () => {
    const { s, a, b } = setup();
    s().startDecision(a.requestId, 'approve', null);
    const winner = decided(a, 'denied', { kind: 'reviewer', id: 'rev-2', name: 'Bob' }, { reason: 'not today' });
    s().settleDecision(a.requestId, errAck('already_decided', winner));
    expect(s().items.has(a.requestId)).toBe(false);
    expect(s().notices.at(-1)).toMatchObject({ tone: 'warning', text: 'Too late: payments.refund from support-bot was already denied by Bob — “not today”.' });
    expect(s().selectedId).toBe(b.requestId);
    expect(s().departedNote?.text).toBe('denied by Bob — “not today”');
  });

  it('already_decided with unreadable details still removes the request', () => {
    const { s, a } = setup();
    s().startDecision(a.requestId, 'deny', null);
    s().settleDecision(a.requestId, errAck('already_decided', { nonsense: true }));
    expect(s().items.has(a.requestId)).toBe(false);
    expect(s().notices.at(-1)?.text).toMatch(/already decided by someone else/);
  });

  it('expired: says so, and the request leaves', () => {
    const { s, a } = setup();
    s().startDecision(a.requestId, 'approve', null);
    s().settleDecision(a.requestId, errAck('expired'));
    expect(s().items.has(a.requestId)).toBe(false);
    expect(s().notices.at(-1)).toMatchObject({ tone: 'warning', text: 'Too late: payments.refund from support-bot expired before your decision reached the hub.' });
  });

  it('already_decided by the timeout or a cancel says so in plain words', () => {
    const { s, a, b, clock } = setup();
    s().startDecision(a.requestId, 'approve', null);
    s().settleDecision(a.requestId, errAck('already_decided', decided(a, 'expired')));
    expect(s().notices.at(-1)?.text).toBe('Too late: payments.refund from support-bot expired before your decision arrived.');
    // The selection moved to b by itself: decisions on it wait a moment.
    expect(s().startDecision(b.requestId, 'deny', null).ok).toBe(false);
    clock.advance(1000);
    expect(s().startDecision(b.requestId, 'deny', null).ok).toBe(true);
    s().settleDecision(b.requestId, errAck('already_decided', decided(b, 'cancelled')));
    expect(s().notices.at(-1)?.text).toBe('Too late: shell.exec from deploy-bot was cancelled by the agent.');
  });

  it('not_found: the request leaves', () => {
    const { s, a } = setup();
    s().startDecision(a.requestId, 'approve', null);
    s().settleDecision(a.requestId, errAck('not_found'));
    expect(s().items.has(a.requestId)).toBe(false);
  });

  it.each(['rate_limited', 'invalid_payload', 'internal'] as const)('%s: the request stays, the failure is shown, a retry is allowed', (code) => {
    const { s, a } = setup();
    s().startDecision(a.requestId, 'deny', null);
    s().settleDecision(a.requestId, errAck(code));
    expect(s().items.has(a.requestId)).toBe(true);
    expect(s().decisions[a.requestId]).toMatchObject({ phase: 'failed', kind: 'deny' });
    expect(s().notices.at(-1)?.tone).toBe('error');
    expect(s().startDecision(a.requestId, 'deny', null).ok).toBe(true);
  });

  it('no answer in time: says the outcome is unknown and allows a retry', () => {
    const { s, a } = setup();
    s().startDecision(a.requestId, 'approve', null);
    s().settleDecision(a.requestId, { type: 'no_answer' });
    expect(s().decisions[a.requestId]?.phase).toBe('failed');
    expect(s().notices.at(-1)?.text).toMatch(/may or may not have been recorded/);
    expect(s().items.has(a.requestId)).toBe(true);
  });

  it('a resolved event that beats the ack is not reported as "decided elsewhere"; the ack reports it', () => {
    const { s, a } = setup();
    s().startDecision(a.requestId, 'approve', null);
    const mine = decided(a, 'approved', { kind: 'reviewer', id: 'rev-1', name: 'Alice' });
    s().applyEvents([{ type: 'resolved', record: mine }]);
    expect(s().notices).toEqual([]);
    expect(s().departedNote).toBeNull();
    s().settleDecision(a.requestId, okAck(mine));
    expect(s().notices.map((n) => n.text)).toEqual(['Approved payments.refund from support-bot.']);
  });

  it('a resolved event that beats an already_decided ack: the notice still names the tool and the agent', () => {
    const { s, a } = setup();
    s().startDecision(a.requestId, 'approve', null);
    const winner = decided(a, 'denied', { kind: 'reviewer', id: 'rev-2', name: 'Bob' });
    s().applyEvents([{ type: 'resolved', record: winner }]);
    expect(s().items.has(a.requestId)).toBe(false);
    s().settleDecision(a.requestId, errAck('already_decided', winner));
    expect(s().notices.map((n) => n.text)).toEqual(['Too late: payments.refund from support-bot was already denied by Bob.']);
  });

  it('an ack for a decision not in flight is ignored', () => {
    const { s, a } = setup();
    const before = s();
    s().settleDecision(a.requestId, okAck(decided(a, 'approved')));
    expect(s()).toBe(before);
  });
});
