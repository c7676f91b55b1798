import { describe, expect, it } from 'vitest';
import { createConsoleStore } from '../src/store/consoleStore';
import { T0, decided, fakeClock, ids, pending, snapshot, syncedStore } from './fixtures';

describe('snapshot', () => {
  it('replaces the queue, sets the hub clock offset and marks the connection in sync', () => {
    const clock = fakeClock();
    const store = createConsoleStore({ now: clock.now });
    const a = pending();
    const b = pending();
    // Hub clock 5 s ahead; the ack took 200 ms, so the midpoint (T0 + 100) is pinned to serverTime.
    store.getState().applySnapshot(snapshot([a, b], T0 + 5_100), { sentAt: T0, receivedAt: T0 + 200 });
    const state = store.getState();
    expect(state.items.size).toBe(2);
    expect(state.serverOffsetMs).toBe(5_000);
    expect(state.connection).toBe('connected');
    expect(state.lastSyncedAt).toBe(T0 + 200);
  });

  it('on reconnect, replaces the queue with the snapshot: gone records leave, new ones come, unchanged ones keep identity', () => {
    const a = pending();
    const b = pending();
    const { store } = syncedStore([a, b]);
    const itemA = store.getState().items.get(a.requestId);
    store.getState().setConnection('reconnecting');
    const c = pending();
    store.getState().applySnapshot(snapshot([a, c]), { sentAt: T0, receivedAt: T0 });
    const state = store.getState();
    expect([...state.items.keys()].sort()).toEqual([a.requestId, c.requestId].sort());
    expect(state.items.get(a.requestId)).toBe(itemA);
    expect(state.connection).toBe('connected');
    expect(state.notices.at(-1)?.text).toMatch(/1 request left the queue while the connection was down/);
  });

  it('does not bring back a request known to be decided', () => {
    const a = pending();
    const { store } = syncedStore([a]);
    store.getState().applyEvents([{ type: 'resolved', record: decided(a, 'approved') }]);
    store.getState().applySnapshot(snapshot([a]), { sentAt: T0, receivedAt: T0 });
    expect(store.getState().items.size).toBe(0);
  });

  it('ignores non-pending records in a snapshot', () => {
    const a = pending();
    const { store } = syncedStore([a, decided(pending(), 'denied')]);
    expect(ids(store)).toEqual([a.requestId]);
  });
});

describe('pushed events', () => {
  it('adds a new request and counts the arrival', () => {
    const { store } = syncedStore();
    const a = pending();
    store.getState().applyEvents([{ type: 'request', record: a }]);
    expect(ids(store)).toEqual([a.requestId]);
    expect(store.getState().arrivals).toMatchObject({ seq: 1, count: 1, toolNames: ['shell.exec'] });
  });

  it('keeps a request that arrives twice once', () => {
    const { store } = syncedStore();
    const a = pending();
    store.getState().applyEvents([{ type: 'request', record: a }]);
    const before = store.getState();
    store.getState().applyEvents([{ type: 'request', record: { ...a } }, { type: 'request', record: a }]);
    expect(ids(store)).toEqual([a.requestId]);
    expect(store.getState()).toBe(before); // nothing changed, nothing re-rendered
  });

  it('ignores a resolved event for an unknown id, and never lets that id in later', () => {
    const { store } = syncedStore();
    const a = pending();
    const before = store.getState();
    store.getState().applyEvents([{ type: 'resolved', record: decided(a, 'denied') }]);
    expect(store.getState()).toBe(before);
    expect(store.getState().notices).toEqual([]);
    store.getState().applyEvents([{ type: 'request', record: a }]);
    expect(store.getState().items.size).toBe(0);
  });

  it('does not resurrect a request whose request event arrives after its resolved event (same batch too)', () => {
    const { store } = syncedStore();
    const a = pending();
    const b = pending();
    store.getState().applyEvents([{ type: 'resolved', record: decided(a, 'approved') }]);
    store.getState().applyEvents([
      { type: 'request', record: a },
      { type: 'resolved', record: decided(b, 'approved') },
      { type: 'request', record: b },
    ]);
    expect(store.getState().items.size).toBe(0);
    expect(ids(store)).toEqual([]);
  });

  it('a request added and resolved in one batch leaves no trace in the list or the counts', () => {
    const { store } = syncedStore();
    const a = pending({ queue: 'ops' });
    store.getState().applyEvents([
      { type: 'request', record: a },
      { type: 'resolved', record: decided(a, 'approved') },
    ]);
    expect(ids(store)).toEqual([]);
    expect(store.getState().facets.queue).toEqual({});
  });

  it('treats a request event that carries a decided record as a resolution', () => {
    const a = pending();
    const { store } = syncedStore([a]);
    store.getState().applyEvents([{ type: 'request', record: decided(a, 'denied') }]);
    expect(store.getState().items.size).toBe(0);
  });

  it.each([
    ['approved by Bob', decided(pending({ requestId: 'r-rev' }), 'approved', { kind: 'reviewer', id: 'rev-2', name: 'Bob' }), /approved by Bob/],
    ['denied by a policy', decided(pending({ requestId: 'r-pol' }), 'denied', { kind: 'policy', rule: 'no-rm-rf' }, { reason: 'dangerous' }), /denied by policy “no-rm-rf” — “dangerous”/],
    ['expired', decided(pending({ requestId: 'r-exp' }), 'expired'), /expired/],
    ['cancelled', decided(pending({ requestId: 'r-can' }), 'cancelled'), /cancelled by the agent/],
    ['approved by me elsewhere', decided(pending({ requestId: 'r-me' }), 'approved', { kind: 'reviewer', id: 'rev-1', name: 'Alice' }), /approved by you/],
  ])('a request decided elsewhere (%s) leaves with a notice saying who or what decided', (_name, outcome, text) => {
    const original = { ...outcome, status: 'pending' as const };
    delete (original as { decision?: unknown }).decision;
    const { store } = syncedStore([original]);
    store.getState().applyEvents([{ type: 'resolved', record: outcome }]);
    expect(store.getState().items.size).toBe(0);
    expect(store.getState().notices.at(-1)?.text).toMatch(text);
    expect(store.getState().notices.at(-1)?.text).toContain('shell.exec');
  });

  it('sums a burst of departures up in one notice', () => {
    const records = Array.from({ length: 10 }, () => pending());
    const { store } = syncedStore(records);
    store.getState().applyEvents(records.map((r) => ({ type: 'resolved' as const, record: decided(r, 'approved') })));
    expect(store.getState().notices).toHaveLength(1);
    expect(store.getState().notices[0]?.text).toBe('10 requests were decided elsewhere and left the queue.');
  });
});

describe('sorting and filtering', () => {
  const early = pending({ createdMs: T0 - 60_000, timeoutMs: 600_000, toolName: 'db.query', agentName: 'analyst', queue: 'data', args: { sql: 'SELECT * FROM users' } });
  const soon = pending({ createdMs: T0 - 10_000, timeoutMs: 30_000, toolName: 'shell.exec', agentName: 'deploy-bot', queue: 'ops', args: { command: 'rm -rf /tmp/cache' } });
  const late = pending({ createdMs: T0, timeoutMs: 300_000, toolName: 'email.send', agentName: 'mailer', queue: 'ops', args: { to: 'ceo@example.com', body: 'Quarterly numbers' } });

  it('sorts by deadline by default, then by age either way', () => {
    const { store } = syncedStore([late, early, soon]);
    expect(ids(store)).toEqual([soon.requestId, late.requestId, early.requestId]);
    store.getState().setSort('oldest');
    expect(ids(store)).toEqual([early.requestId, soon.requestId, late.requestId]);
    store.getState().setSort('newest');
    expect(ids(store)).toEqual([late.requestId, soon.requestId, early.requestId]);
  });

  it('inserts pushed requests in order', () => {
    const { store } = syncedStore([late, early]);
    store.getState().applyEvents([{ type: 'request', record: soon }]);
    expect(ids(store)).toEqual([soon.requestId, late.requestId, early.requestId]);
  });

  it('filters by queue, agent and tool, and counts each value', () => {
    const { store } = syncedStore([late, early, soon]);
    expect(store.getState().facets.queue).toEqual({ data: 1, ops: 2 });
    store.getState().setFilter('queue', 'ops');
    expect(ids(store)).toEqual([soon.requestId, late.requestId]);
    store.getState().setFilter('agent', 'mailer');
    expect(ids(store)).toEqual([late.requestId]);
    store.getState().setFilter('tool', 'shell.exec');
    expect(ids(store)).toEqual([]);
    store.getState().clearFilters();
    expect(ids(store)).toHaveLength(3);
  });

  it('searches tool names and arguments, every word, case-insensitively', () => {
    const { store } = syncedStore([late, early, soon]);
    store.getState().setSearch('RM -rf');
    expect(ids(store)).toEqual([soon.requestId]);
    store.getState().setSearch('email ceo');
    expect(ids(store)).toEqual([late.requestId]);
    store.getState().setSearch('db.query users');
    expect(ids(store)).toEqual([early.requestId]);
    store.getState().setSearch('nothing-like-this');
    expect(ids(store)).toEqual([]);
  });

  it('keeps filters applied to pushed requests', () => {
    const { store } = syncedStore([early]);
    store.getState().setFilter('queue', 'ops');
    store.getState().applyEvents([{ type: 'request', record: soon }, { type: 'request', record: pending({ queue: 'data' }) }]);
    expect(ids(store)).toEqual([soon.requestId]);
    expect(store.getState().items.size).toBe(3);
  });

  it('incremental updates give the same order as sorting from scratch (random events)', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const sort of ['deadline', 'oldest', 'newest'] as const) {
      const { store } = syncedStore();
      store.getState().setSort(sort);
      store.getState().setFilter('queue', 'q1');
      const live: ReturnType<typeof pending>[] = [];
      for (let round = 0; round < 200; round++) {
        const events = [];
        for (let k = 0; k < 1 + Math.floor(random() * 5); k++) {
          if (live.length > 0 && random() < 0.4) {
            const [gone] = live.splice(Math.floor(random() * live.length), 1);
            if (gone) events.push({ type: 'resolved' as const, record: decided(gone, 'approved') });
          } else {
            const record = pending({ createdMs: T0 + Math.floor(random() * 1000) * 10, timeoutMs: 1000 + Math.floor(random() * 50) * 1000, queue: random() < 0.5 ? 'q1' : 'q2' });
            live.push(record);
            events.push({ type: 'request' as const, record });
          }
        }
        store.getState().applyEvents(events);
      }
      const incremental = ids(store);
      store.getState().setSort(sort); // recomputes from scratch
      expect(incremental).toEqual(ids(store));
      expect(incremental.length).toBe(live.filter((r) => r.queue === 'q1').length);
    }
  });
});
