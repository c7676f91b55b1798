import { describe, expect, it } from 'vitest';
import { AUTO_MOVE_GUARD_MS } from '../src/store/selectionSlice';
import { T0, decided, pending, syncedStore } from './fixtures';

const three = () => [0, 1, 2].map((i) => pending({ createdMs: T0 + i * 1000 }));

describe('selection', () => {
  it('j/k move through the visible order and stop at the ends', () => {
    const [a, b, c] = three();
    const { store } = syncedStore([a!, b!, c!]);
    const s = () => store.getState();
    s().moveSelection(1);
    expect(s().selectedId).toBe(a!.requestId);
    s().moveSelection(1);
    s().moveSelection(1);
    s().moveSelection(1);
    expect(s().selectedId).toBe(c!.requestId);
    s().moveSelection(-1);
    expect(s().selectedId).toBe(b!.requestId);
  });

  it('k with nothing selected picks the last one', () => {
    const [a, b, c] = three();
    const { store } = syncedStore([a!, b!, c!]);
    store.getState().moveSelection(-1);
    expect(store.getState().selectedId).toBe(c!.requestId);
  });

  it('selecting clears the reason draft and the editor', () => {
    const [a, b] = three();
    const { store } = syncedStore([a!, b!]);
    store.getState().select(a!.requestId);
    store.getState().setReasonDraft('no');
    store.getState().startEditing(a!.requestId);
    store.getState().select(b!.requestId);
    expect(store.getState()).toMatchObject({ reasonDraft: '', editingId: null, selectedId: b!.requestId });
  });

  it('moves to the next request when the selected one is decided elsewhere, says why, and holds decisions a moment', () => {
    const [a, b, c] = three();
    const { store, clock } = syncedStore([a!, b!, c!]);
    store.getState().select(b!.requestId);
    store.getState().setReasonDraft('typed for b');
    store.getState().applyEvents([{ type: 'resolved', record: decided(b!, 'denied', { kind: 'reviewer', id: 'rev-2', name: 'Bob' }) }]);
    const state = store.getState();
    expect(state.selectedId).toBe(c!.requestId);
    expect(state.departedNote).toEqual({ requestId: b!.requestId, toolName: 'shell.exec', text: 'denied by Bob' });
    expect(state.reasonDraft).toBe('');
    expect(state.checkActionable(c!.requestId)).toEqual({ ok: false, reason: 'The selection just changed: check this request first.' });
    clock.advance(AUTO_MOVE_GUARD_MS);
    expect(store.getState().checkActionable(c!.requestId).ok).toBe(true);
  });

  it('moves to the previous request when the last one leaves, and to none when the queue empties', () => {
    const [a, b] = three();
    const { store } = syncedStore([a!, b!]);
    store.getState().select(b!.requestId);
    store.getState().applyEvents([{ type: 'resolved', record: decided(b!, 'expired') }]);
    expect(store.getState().selectedId).toBe(a!.requestId);
    store.getState().applyEvents([{ type: 'resolved', record: decided(a!, 'cancelled') }]);
    expect(store.getState().selectedId).toBeNull();
    expect(store.getState().departedNote?.text).toBe('cancelled by the agent');
  });

  it('moves when a reconnect snapshot no longer holds the selected request', () => {
    const [a, b, c] = three();
    const { store } = syncedStore([a!, b!, c!]);
    store.getState().select(a!.requestId);
    store.getState().applySnapshot({ pending: [b!, c!], serverTime: new Date(T0).toISOString(), queues: null, nextCursor: null }, { sentAt: T0, receivedAt: T0 });
    expect(store.getState().selectedId).toBe(b!.requestId);
    expect(store.getState().departedNote?.text).toBe('no longer pending');
  });

  it('keeps the selection when other requests come and go', () => {
    const [a, b, c] = three();
    const { store } = syncedStore([a!, b!]);
    store.getState().select(b!.requestId);
    store.getState().applyEvents([
      { type: 'resolved', record: decided(a!, 'approved') },
      { type: 'request', record: c! },
    ]);
    expect(store.getState().selectedId).toBe(b!.requestId);
    expect(store.getState().departedNote).toBeNull();
  });
});
