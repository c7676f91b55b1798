import type { ApprovalRecord } from '@approval-hub/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ConsoleStore } from '../src/store/consoleStore';
import { ME, T0, decided, pending, snapshot, syncedStore } from './fixtures';

/** The store as a whole, on a vanilla store (no React), a fresh one for each test. */
let store: ConsoleStore;
let a: ApprovalRecord;
let b: ApprovalRecord;
const s = () => store.getState();

beforeEach(() => {
  a = pending();
  b = pending({ createdMs: T0 + 1 });
  store = syncedStore([a, b]).store;
});

/** How many times the store notified its subscribers while `action` ran. */
function updatesDuring(action: () => void): number {
  let count = 0;
  const unsubscribe = store.subscribe(() => {
    count++;
  });
  action();
  unsubscribe();
  return count;
}

describe('the decided-ids ledger', () => {
  it('lives in the store: a resolved request is remembered there and a late snapshot does not bring it back', () => {
    s().applyEvents([{ type: 'resolved', record: decided(a, 'approved') }]);
    expect(s().ledger.has(a.requestId)).toBe(true);
    s().applySnapshot(snapshot([a, b]), { sentAt: T0, receivedAt: T0 });
    expect([...s().items.keys()]).toEqual([b.requestId]);
  });

  it('is emptied on sign-out: the next session takes the hub’s snapshot as it is', () => {
    s().applyEvents([{ type: 'resolved', record: decided(a, 'approved') }]);
    const before = s().ledger;
    s().signOut();
    expect(s().ledger).not.toBe(before);
    expect(s().ledger.has(a.requestId)).toBe(false);
    expect(s().ledger.size).toBe(0);

    s().signIn('token-2');
    s().setPrincipal(ME);
    s().applySnapshot(snapshot([a]), { sentAt: T0, receivedAt: T0 });
    expect([...s().items.keys()]).toEqual([a.requestId]);
  });

  it('is emptied when the hub refuses the token and on a new sign-in', () => {
    s().applyEvents([{ type: 'resolved', record: decided(a, 'approved') }]);
    s().refuse({ code: 'unauthorized', message: 'no' });
    expect(s().ledger.size).toBe(0);
    s().applyEvents([{ type: 'resolved', record: decided(b, 'denied') }]);
    s().signIn('token-3');
    expect(s().ledger.size).toBe(0);
  });

  it('a decision recorded before sign-out is not settled into the next session', () => {
    s().select(a.requestId);
    s().startDecision(a.requestId, 'approve', null);
    s().signOut();
    s().settleDecision(a.requestId, { type: 'ack', ack: { ok: true, data: decided(a, 'approved') } });
    expect(s().ledger.size).toBe(0);
    expect(s().notices).toEqual([]);
  });
});

describe('cross-slice actions', () => {
  it('a settled decision updates the queue, the selection and the notices in one update', () => {
    s().select(a.requestId);
    s().startDecision(a.requestId, 'edit', { command: 'echo sent' });
    const recorded = decided(a, 'approved', { kind: 'reviewer', id: ME.id, name: ME.name }, { args: { command: 'echo other' } });
    const updates = updatesDuring(() => s().settleDecision(a.requestId, { type: 'ack', ack: { ok: true, data: recorded } }));
    expect(updates).toBe(1);
    expect(s().items.has(a.requestId)).toBe(false);
    expect(s().selectedId).toBe(b.requestId);
    // Both notices (the approval, and the arguments that differ) came with that one update.
    expect(s().notices.map((n) => n.tone)).toEqual(['success', 'warning']);
  });

  it('pushed events that take the selected request away update queue, selection and notices in one update', () => {
    s().select(a.requestId);
    const updates = updatesDuring(() => s().applyEvents([{ type: 'resolved', record: decided(a, 'denied') }]));
    expect(updates).toBe(1);
    expect(s().selectedId).toBe(b.requestId);
    expect(s().departedNote?.requestId).toBe(a.requestId);
    expect(s().notices).toHaveLength(1);
  });

  it('a snapshot after a reconnect replaces the queue and reports what left in one update', () => {
    s().setConnection('reconnecting');
    const updates = updatesDuring(() => s().applySnapshot(snapshot([b]), { sentAt: T0, receivedAt: T0 }));
    expect(updates).toBe(1);
    expect(s().notices.at(-1)?.text).toMatch(/1 request left the queue while the connection was down/);
  });

  it('notice ids stay unique across a sign-out, so a timer for an old notice never dismisses a new one', () => {
    const first = s().pushNotice('info', 'one');
    s().signOut();
    const second = s().pushNotice('info', 'two');
    expect(second).not.toBe(first);
  });
});
