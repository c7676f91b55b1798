import type { ApprovalRecord } from '@approval-hub/protocol';
import { DECISION_DWELL_MS } from '../src/store/reviewSlice';
import { describe, expect, it } from 'vitest';
import { ALREADY_APPROVED_REASON, quorumProgress } from '../src/domain/quorum';
import { ME, T0, iso, pending, syncedStore } from './fixtures';

const needsTwo = (approvals: { id: string; name: string }[] = []): Partial<ApprovalRecord> => ({
  quorum: { rule: 'big-payments', required: 2, approvals: approvals.map((a) => ({ ...a, at: iso(T0) })) },
});

describe('quorum in the console', () => {
  it('describes the progress in words, naming you', () => {
    expect(quorumProgress(pending(), ME.id)).toBeNull();
    expect(quorumProgress(pending(needsTwo()), ME.id)).toEqual({ text: '0 of 2 approvals', approvedByMe: false });
    expect(quorumProgress(pending(needsTwo([{ id: 'alice', name: 'Alice' }])), ME.id)).toEqual({ text: '1 of 2 approvals — approved by Alice', approvedByMe: false });
    expect(quorumProgress(pending(needsTwo([{ id: ME.id, name: ME.name }])), ME.id)).toEqual({ text: '1 of 2 approvals — approved by you', approvedByMe: true });
  });

  it('a partial approval ack keeps the request, updates it in place, and Approve is then refused for you', () => {
    const a = pending(needsTwo());
    const b = pending({ createdMs: T0 + 1 });
    const { store, clock } = syncedStore([a, b]);
    const s = () => store.getState();
    s().select(a.requestId);
    s().beginReview(a.requestId);
    clock.advance(DECISION_DWELL_MS);
    expect(s().startDecision(a.requestId, 'approve', null).ok).toBe(true);
    const counted = { ...a, quorum: { rule: 'big-payments', required: 2, approvals: [{ id: ME.id, name: ME.name, at: iso(T0 + 1000) }] } };
    s().settleDecision(a.requestId, { type: 'ack', ack: { ok: true, data: counted } });
    expect(s().items.get(a.requestId)?.record.quorum?.approvals).toHaveLength(1);
    expect(s().selectedId).toBe(a.requestId);
    expect(s().decisions).toEqual({});
    expect(s().notices.at(-1)?.text).toContain('1 of 2 approvals — approved by you');
    expect(s().checkApprovable(a.requestId)).toEqual({ ok: false, reason: ALREADY_APPROVED_REASON });
    // Deny stays possible.
    expect(s().checkActionable(a.requestId).ok).toBe(true);
  });

  it('another reviewer’s approval (approval.updated) replaces the record without moving the selection', () => {
    const a = pending(needsTwo());
    const { store } = syncedStore([a]);
    store.getState().select(a.requestId);
    store.getState().applyEvents([{ type: 'updated', record: { ...a, quorum: { ...a.quorum!, approvals: [{ id: 'bob', name: 'Bob', at: iso(T0) }] } } }]);
    expect(store.getState().items.get(a.requestId)?.record.quorum?.approvals[0]?.name).toBe('Bob');
    expect(store.getState().selectedId).toBe(a.requestId);
    expect(store.getState().visibleIds).toEqual([a.requestId]);
  });
});

describe('escalation in the console', () => {
  it('a request moved out of our queues leaves; one moved into them arrives', () => {
    const a = pending();
    const { store } = syncedStore([a]);
    store.getState().applyEvents([{ type: 'left', requestId: a.requestId }]);
    expect(store.getState().items.has(a.requestId)).toBe(false);
    const b = pending({ queue: 'ops', escalation: { rule: 'to-ops', toQueue: 'ops', escalateAt: iso(T0), fromQueue: 'default', escalatedAt: iso(T0) } });
    store.getState().applyEvents([{ type: 'updated', record: b }]);
    expect(store.getState().items.get(b.requestId)?.record.queue).toBe('ops');
    expect(store.getState().arrivals?.count).toBe(1);
  });
});
