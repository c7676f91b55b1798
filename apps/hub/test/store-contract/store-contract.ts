import type { ApprovalRecord, Grant, JsonObject } from '@approval-hub/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditEvent, type AuditEvent } from '../../src/audit/audit-events.js';
import { EVERYTHING, type ApprovalStore, type InsertRequest, type Quota, type StoredRequest } from '../../src/store/store.js';

/**
 * The behaviour every `ApprovalStore` must have, asserted only through the store API: the same suite runs against
 * SQLite today and against any other store tomorrow. `open` makes a fresh, empty store; `reopen` (when the store
 * keeps its data somewhere) closes nothing itself and opens a second store on the same data.
 */
export interface StoreUnderTest {
  store: ApprovalStore;
  /** Opens the same data again (after `store.close()`); for stores that persist. */
  reopen: () => Promise<ApprovalStore>;
  /** Runs the store in another process on the same data until it is killed with writes in flight (after `store.close()`). */
  crashWhileWriting: () => Promise<void>;
  cleanup: () => Promise<void>;
}

const BASE = Date.UTC(2026, 10, 22, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const NO_QUOTA: Quota = { maxPendingPerAgent: 1_000_000, maxPendingPerQueue: 1_000_000 };

let made = 0;
function pending(overrides: Partial<ApprovalRecord> & { principalId?: string } = {}): { record: ApprovalRecord; principalId: string } {
  made++;
  const { principalId = 'agent-a', ...rest } = overrides;
  const record: ApprovalRecord = {
    requestId: `contract-${made}`,
    status: 'pending',
    toolName: 'delete_pod',
    args: { name: `web-${made}` },
    agent: { id: principalId, name: principalId },
    agentName: principalId,
    runId: 'run-1',
    queue: 'default',
    createdAt: iso(BASE),
    expiresAt: iso(BASE + 60_000),
    ...rest,
  };
  return { record, principalId };
}

function insertOf(record: ApprovalRecord, principalId: string, extra: Partial<InsertRequest> = {}): InsertRequest {
  return {
    record,
    principalId,
    requestHash: `hash-${record.requestId}`,
    deliver: false,
    quota: NO_QUOTA,
    audit: [
      auditEvent('requested', record.requestId, record.queue, { kind: 'agent', id: principalId, name: principalId }, {
        toolName: record.toolName,
        agentName: record.agentName,
        runId: record.runId,
        args: record.args,
        expiresAt: record.expiresAt,
      }),
    ],
    ...extra,
  };
}

async function insertPending(store: ApprovalStore, overrides: Partial<ApprovalRecord> & { principalId?: string } = {}): Promise<ApprovalRecord> {
  const { record, principalId } = pending(overrides);
  const outcome = await store.insertRequest(insertOf(record, principalId));
  if (outcome.kind !== 'created') throw new Error(`expected created, got ${outcome.kind}`);
  return outcome.record;
}

function decided(record: ApprovalRecord, reviewer: string, approved: boolean): ApprovalRecord {
  return {
    ...record,
    status: approved ? 'approved' : 'denied',
    decision: { approved, args: record.args, modified: false, decidedBy: { kind: 'reviewer', id: reviewer, name: reviewer }, decidedAt: iso(BASE + 1000) },
  };
}

function decide(store: ApprovalStore, record: ApprovalRecord, principalId: string, reviewer: string, approved = true) {
  return store.transition({
    requestId: record.requestId,
    record: decided(record, reviewer, approved),
    deliverTo: principalId,
    at: iso(BASE + 1000),
    audit: [auditEvent('decided', record.requestId, record.queue, { kind: 'reviewer', id: reviewer, name: reviewer }, { approved, modified: false })],
  });
}

const delivered = (requestId: string, principalId: string): AuditEvent => auditEvent('delivered', requestId, null, { kind: 'agent', id: principalId, name: principalId }, {});

/** Reads every page of `undelivered` for a principal. */
async function allUndelivered(store: ApprovalStore, principalId: string, pageSize = 1000): Promise<string[]> {
  const ids: string[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await store.undelivered(principalId, pageSize, after);
    ids.push(...page.items.map((r) => r.requestId));
    if (page.next === null) return ids;
    after = page.next;
  }
}

/** Pending requests per queue and per agent as the rows say, read page by page through the store. */
async function pendingTruth(store: ApprovalStore): Promise<{ byQueue: Record<string, number>; byAgent: Record<string, number> }> {
  const byQueue: Record<string, number> = {};
  const byAgent: Record<string, number> = {};
  let after: { expiresAt: number; position: number } | undefined;
  for (;;) {
    const page = await store.listPending(null, { limit: 500, maxBytes: 1 << 24, after });
    for (const r of page.items) {
      byQueue[r.queue] = (byQueue[r.queue] ?? 0) + 1;
      byAgent[r.agent.id] = (byAgent[r.agent.id] ?? 0) + 1;
    }
    if (page.next === null) return { byQueue, byAgent };
    after = page.next;
  }
}

/**
 * The store's pending counters agree with its rows: per queue as `counts()` reports them, per agent as the quota
 * sees it (an agent at its count is refused, one above it is not; the probe that gets in is counted too).
 */
async function expectCountersExact(store: ApprovalStore): Promise<void> {
  const truth = await pendingTruth(store);
  expect((await store.counts()).pendingByQueue).toEqual(truth.byQueue);
  for (const [agent, n] of Object.entries(truth.byAgent)) {
    const probe = (max: number) => {
      const p = pending({ principalId: agent, queue: 'probe' });
      return store.insertRequest(insertOf(p.record, agent, { quota: { maxPendingPerAgent: max, maxPendingPerQueue: 1_000_000 } }));
    };
    expect(await probe(n), `agent ${agent} holds ${n}`).toEqual({ kind: 'quota_exceeded', scope: 'agent', limit: n });
    expect((await probe(n + 1)).kind, `agent ${agent} holds ${n}`).toBe('created');
  }
}

export function describeStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`ApprovalStore contract: ${name}`, () => {
    let s: StoreUnderTest;
    let store: ApprovalStore;
    beforeEach(async () => {
      s = await open();
      store = s.store;
    });
    afterEach(async () => {
      await s.cleanup();
    });

    describe('insertRequest', () => {
      it('creates once; the same requestId again is "existing" with what was stored, and writes nothing', async () => {
        const { record, principalId } = pending();
        const first = await store.insertRequest(insertOf(record, principalId));
        expect(first).toEqual({ kind: 'created', record });
        const headAfterFirst = await store.auditHead();

        const again = await store.insertRequest(insertOf({ ...record, args: { other: true } }, 'agent-b', { requestHash: 'different' }));
        expect(again).toEqual({ kind: 'existing', stored: { record, principalId, requestHash: `hash-${record.requestId}` } });
        expect(await store.auditHead()).toEqual(headAfterFirst);
        expect(await store.timeline(record.requestId)).toHaveLength(1);
        expect((await store.listRequests({ limit: 100, maxBytes: 1 << 20 }, EVERYTHING)).items).toHaveLength(1);
      });

      it('refuses over the per-agent quota, counting only that agent\'s pending requests, and writes nothing', async () => {
        const quota: Quota = { maxPendingPerAgent: 2, maxPendingPerQueue: 100 };
        const insert = (principalId: string) => {
          const p = pending({ principalId });
          return store.insertRequest(insertOf(p.record, p.principalId, { quota }));
        };
        expect((await insert('agent-a')).kind).toBe('created');
        const second = pending({ principalId: 'agent-a' });
        expect((await store.insertRequest(insertOf(second.record, 'agent-a', { quota }))).kind).toBe('created');
        const head = await store.auditHead();
        const over = pending({ principalId: 'agent-a' });
        expect(await store.insertRequest(insertOf(over.record, 'agent-a', { quota }))).toEqual({ kind: 'quota_exceeded', scope: 'agent', limit: 2 });
        expect(await store.getRequest(over.record.requestId, EVERYTHING)).toBeNull();
        expect(await store.timeline(over.record.requestId)).toEqual([]);
        expect(await store.auditHead()).toEqual(head);
        // Another agent is not affected, and a decided request frees a slot.
        expect((await insert('agent-b')).kind).toBe('created');
        expect(await decide(store, second.record, 'agent-a', 'alice')).toBe(true);
        expect((await insert('agent-a')).kind).toBe('created');
      });

      it('refuses over the per-queue quota, counting only that queue', async () => {
        const quota: Quota = { maxPendingPerAgent: 100, maxPendingPerQueue: 1 };
        const a = pending({ principalId: 'agent-a', queue: 'ops' });
        expect((await store.insertRequest(insertOf(a.record, a.principalId, { quota }))).kind).toBe('created');
        const b = pending({ principalId: 'agent-b', queue: 'ops' });
        expect(await store.insertRequest(insertOf(b.record, b.principalId, { quota }))).toEqual({ kind: 'quota_exceeded', scope: 'queue', limit: 1 });
        expect(await store.getRequest(b.record.requestId, EVERYTHING)).toBeNull();
        const c = pending({ principalId: 'agent-b', queue: 'billing' });
        expect((await store.insertRequest(insertOf(c.record, c.principalId, { quota }))).kind).toBe('created');
      });

      it('an already-decided insert (a policy) is queued for delivery in the same write and ignores the quota', async () => {
        const { record, principalId } = pending();
        const auto: ApprovalRecord = { ...decided(record, 'policy', true), decision: { approved: true, args: record.args, modified: false, decidedBy: { kind: 'policy', rule: 'r' }, decidedAt: record.createdAt } };
        const outcome = await store.insertRequest(
          insertOf(auto, principalId, { deliver: true, quota: { maxPendingPerAgent: 1, maxPendingPerQueue: 1 }, audit: [...insertOf(auto, principalId).audit, auditEvent('auto_approved', auto.requestId, auto.queue, { kind: 'policy', rule: 'r' }, {})] }),
        );
        expect(outcome).toEqual({ kind: 'created', record: auto });
        expect(await allUndelivered(store, principalId)).toEqual([auto.requestId]);
        expect((await store.timeline(auto.requestId)).map((e) => e.type)).toEqual(['requested', 'auto_approved']);
        expect(await store.nextDeadline()).toBeNull();
      });

      it('concurrent inserts of one requestId: exactly one is created', async () => {
        const { record, principalId } = pending();
        const outcomes = await Promise.all(Array.from({ length: 10 }, () => store.insertRequest(insertOf(record, principalId))));
        expect(outcomes.filter((o) => o.kind === 'created')).toHaveLength(1);
        expect(outcomes.filter((o) => o.kind === 'existing')).toHaveLength(9);
        expect(await store.timeline(record.requestId)).toHaveLength(1);
      });
    });

    describe('transition and delivery', () => {
      it('a conditional transition wins exactly once under concurrent calls, and only the winner is written', async () => {
        const record = await insertPending(store);
        const reviewers = Array.from({ length: 8 }, (_, i) => `reviewer-${i}`);
        const results = await Promise.all(reviewers.map((r, i) => decide(store, record, 'agent-a', r, i % 2 === 0)));
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = reviewers[results.indexOf(true)]!;
        const stored = await store.getRequest(record.requestId, EVERYTHING);
        expect(stored?.record.decision?.decidedBy).toEqual({ kind: 'reviewer', id: winner, name: winner });
        const timeline = await store.timeline(record.requestId);
        expect(timeline.map((e) => e.type)).toEqual(['requested', 'decided']);
        expect(timeline[1]!.actor).toMatchObject({ id: winner });
        // Exactly one delivery was queued, by the winner's transition.
        expect(await allUndelivered(store, 'agent-a')).toEqual([record.requestId]);
      });

      it('queues the delivery in the same transaction as the decision; markDelivered succeeds once', async () => {
        const record = await insertPending(store);
        expect(await allUndelivered(store, 'agent-a')).toEqual([]);
        expect(await decide(store, record, 'agent-a', 'alice')).toBe(true);
        expect(await allUndelivered(store, 'agent-a')).toEqual([record.requestId]);
        expect(await allUndelivered(store, 'agent-b')).toEqual([]);
        // Only the principal it was queued for can mark it.
        expect(await store.markDelivered(record.requestId, 'agent-b', delivered(record.requestId, 'agent-b'), iso(BASE + 2000))).toBe(false);
        const marks = await Promise.all([1, 2, 3].map(() => store.markDelivered(record.requestId, 'agent-a', delivered(record.requestId, 'agent-a'), iso(BASE + 2000))));
        expect(marks.filter(Boolean)).toHaveLength(1);
        expect(await allUndelivered(store, 'agent-a')).toEqual([]);
        expect((await store.timeline(record.requestId)).map((e) => e.type)).toEqual(['requested', 'decided', 'delivered']);
        // A transition that names no recipient (a cancel) queues nothing.
        const other = await insertPending(store);
        expect(await store.transition({ requestId: other.requestId, record: { ...other, status: 'cancelled' }, deliverTo: null, at: iso(BASE), audit: [auditEvent('cancelled', other.requestId, other.queue, { kind: 'agent', id: 'agent-a', name: 'agent-a' }, {})] })).toBe(true);
        expect(await allUndelivered(store, 'agent-a')).toEqual([]);
        expect(await store.verifyAudit({})).toMatchObject({ ok: true });
      });

      it('a decision link is spent in its decision’s transaction, once: a spent link decides nothing more and writes nothing', async () => {
        const record = await insertPending(store);
        const linkUse = { linkId: 'link-0123456789abcdef', principalId: 'alice', usedAt: iso(BASE + 1000) };
        const viaLink = (r: ApprovalRecord, reviewer: string) =>
          store.transition({ requestId: r.requestId, record: decided(r, reviewer, true), deliverTo: 'agent-a', at: iso(BASE + 1000), linkUse, audit: [auditEvent('decided', r.requestId, r.queue, { kind: 'reviewer', id: reviewer, name: reviewer }, { approved: true, modified: false })] });
        expect(await store.decisionLinkUsed(linkUse.linkId)).toBe(false);
        const results = await Promise.all([viaLink(record, 'alice'), viaLink(record, 'alice'), decide(store, record, 'agent-a', 'bob')]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const spent = await store.decisionLinkUsed(linkUse.linkId);
        // Spent exactly when a transition through the link won.
        expect(spent).toBe(results[0] === true || results[1] === true);
        // The same link on another pending request (it cannot be: a link names one request) decides nothing there.
        const other = await insertPending(store);
        const head = await store.auditHead();
        if (spent) {
          expect(await viaLink(other, 'alice')).toBe(false);
          expect(await store.auditHead()).toEqual(head);
          expect((await store.getRequest(other.requestId, EVERYTHING))?.record.status).toBe('pending');
        }
        // A link is never spent on a request that is no longer pending.
        const late = { ...linkUse, linkId: 'link-late-0123456789' };
        expect(await store.transition({ requestId: record.requestId, record: decided(record, 'carol', true), deliverTo: 'agent-a', at: iso(BASE + 2000), linkUse: late, audit: [] })).toBe(false);
        expect(await store.decisionLinkUsed(late.linkId)).toBe(false);
        expect(await store.verifyAudit({})).toMatchObject({ ok: true });
      });

      it('a transition of an unknown request is false and writes nothing', async () => {
        const head = await store.auditHead();
        const { record } = pending();
        expect(await decide(store, record, 'agent-a', 'alice')).toBe(false);
        expect(await store.auditHead()).toEqual(head);
        expect(await store.timeline(record.requestId)).toEqual([]);
      });
    });

    describe('deadlines', () => {
      it('due returns pending requests at or before now, earliest first, up to the limit; nextDeadline the earliest', async () => {
        expect(await store.nextDeadline()).toBeNull();
        const late = await insertPending(store, { expiresAt: iso(BASE + 30_000) });
        const early = await insertPending(store, { expiresAt: iso(BASE + 10_000) });
        const middle = await insertPending(store, { expiresAt: iso(BASE + 20_000) });
        expect(await store.nextDeadline()).toBe(BASE + 10_000);
        expect(await store.due(BASE + 9_999, 10)).toEqual([]);
        expect((await store.due(BASE + 10_000, 10)).map((s) => s.record.requestId)).toEqual([early.requestId]);
        const due: StoredRequest[] = await store.due(BASE + 60_000, 2);
        expect(due.map((s) => s.record.requestId)).toEqual([early.requestId, middle.requestId]);
        expect(due[0]).toMatchObject({ principalId: 'agent-a', requestHash: `hash-${early.requestId}` });
        // A decided request is no longer due, and the next deadline moves on.
        expect(await decide(store, early, 'agent-a', 'alice')).toBe(true);
        expect(await store.nextDeadline()).toBe(BASE + 20_000);
        expect((await store.due(BASE + 60_000, 10)).map((s) => s.record.requestId)).toEqual([middle.requestId, late.requestId]);
      });
    });

    describe('reads within a scope', () => {
      it('getRequest returns null outside the scope: another queue, another principal', async () => {
        const ops = await insertPending(store, { queue: 'ops', principalId: 'agent-a' });
        const full = await store.getRequest(ops.requestId, EVERYTHING);
        expect(full).toEqual({ record: ops, principalId: 'agent-a', requestHash: `hash-${ops.requestId}` });
        expect(await store.getRequest(ops.requestId, { queues: ['ops'], principalId: null })).toEqual(full);
        expect(await store.getRequest(ops.requestId, { queues: ['billing'], principalId: null })).toBeNull();
        expect(await store.getRequest(ops.requestId, { queues: [], principalId: null })).toBeNull();
        expect(await store.getRequest(ops.requestId, { queues: null, principalId: 'agent-a' })).toEqual(full);
        expect(await store.getRequest(ops.requestId, { queues: null, principalId: 'agent-b' })).toBeNull();
        expect(await store.getRequest('no-such-request', EVERYTHING)).toBeNull();
      });

      it('listRequests pages newest first with `after`, applies filters and the scope, and stops at maxBytes', async () => {
        const made: ApprovalRecord[] = [];
        for (let i = 0; i < 7; i++) made.push(await insertPending(store, { queue: i % 2 === 0 ? 'ops' : 'billing', principalId: i < 5 ? 'agent-a' : 'agent-b' }));
        const newestFirst = [...made].reverse().map((r) => r.requestId);

        const seen: string[] = [];
        let after: number | undefined;
        let pages = 0;
        for (;;) {
          const page = await store.listRequests({ limit: 3, after, maxBytes: 1 << 20 }, EVERYTHING);
          pages++;
          seen.push(...page.items.map((r) => r.requestId));
          if (page.next === null) break;
          after = page.next;
        }
        expect(seen).toEqual(newestFirst);
        expect(pages).toBe(3);

        const ops = await store.listRequests({ limit: 100, maxBytes: 1 << 20 }, { queues: ['ops'], principalId: null });
        expect(ops.items.map((r) => r.requestId)).toEqual(made.filter((r) => r.queue === 'ops').reverse().map((r) => r.requestId));
        const mine = await store.listRequests({ limit: 100, maxBytes: 1 << 20 }, { queues: null, principalId: 'agent-b' });
        expect(mine.items.map((r) => r.requestId)).toEqual(newestFirst.slice(0, 2));
        const filtered = await store.listRequests({ limit: 100, maxBytes: 1 << 20, queue: 'billing', status: ['pending'] }, { queues: null, principalId: 'agent-a' });
        expect(filtered.items.every((r) => r.queue === 'billing' && r.agent.id === 'agent-a')).toBe(true);
        expect(filtered.items).toHaveLength(2);

        // A byte budget smaller than one record: one record per page (never zero), and paging still reaches all.
        const budgeted: string[] = [];
        after = undefined;
        for (;;) {
          const page = await store.listRequests({ limit: 100, after, maxBytes: 1 }, EVERYTHING);
          expect(page.items).toHaveLength(1);
          budgeted.push(page.items[0]!.requestId);
          if (page.next === null) break;
          after = page.next;
        }
        expect(budgeted).toEqual(newestFirst);
      });

      it('a byte budget cuts a page of large records short', async () => {
        const big: JsonObject = { blob: 'x'.repeat(10_000) };
        for (let i = 0; i < 6; i++) await insertPending(store, { args: big });
        const page = await store.listRequests({ limit: 100, maxBytes: 25_000 }, EVERYTHING);
        expect(page.items.length).toBeGreaterThanOrEqual(2);
        expect(page.items.length).toBeLessThanOrEqual(4);
        expect(page.next).not.toBeNull();
      });

      it('listPending pages by deadline within the queues, leaving out decided requests', async () => {
        const deadlines = [50, 10, 40, 20, 30, 20];
        const made: ApprovalRecord[] = [];
        for (const [i, d] of deadlines.entries()) made.push(await insertPending(store, { expiresAt: iso(BASE + d * 1000), queue: i === 0 ? 'billing' : 'ops' }));
        expect(await decide(store, made[2]!, 'agent-a', 'alice')).toBe(true);
        // By deadline, then by insertion for equal deadlines.
        const expected = [made[1]!, made[3]!, made[5]!, made[4]!, made[0]!].map((r) => r.requestId);
        const seen: string[] = [];
        let after: { expiresAt: number; position: number } | undefined;
        for (;;) {
          const page = await store.listPending(null, { limit: 2, after, maxBytes: 1 << 20 });
          seen.push(...page.items.map((r) => r.requestId));
          if (page.next === null) break;
          after = page.next;
        }
        expect(seen).toEqual(expected);
        const ops = await store.listPending(['ops'], { limit: 100, maxBytes: 1 << 20 });
        expect(ops.items.map((r) => r.requestId)).toEqual(expected.filter((id) => id !== made[0]!.requestId));
        expect(ops.next).toBeNull();
        expect((await store.listPending([], { limit: 100, maxBytes: 1 << 20 })).items).toEqual([]);
        const tight = await store.listPending(null, { limit: 100, maxBytes: 1 });
        expect(tight.items).toHaveLength(1);
        expect(tight.next).not.toBeNull();
      });

      it('undelivered pages a principal\'s decisions oldest first', async () => {
        const made: ApprovalRecord[] = [];
        for (let i = 0; i < 5; i++) made.push(await insertPending(store));
        const other = await insertPending(store, { principalId: 'agent-b' });
        for (const r of made) expect(await decide(store, r, 'agent-a', 'alice')).toBe(true);
        expect(await decide(store, other, 'agent-b', 'alice')).toBe(true);
        const first = await store.undelivered('agent-a', 2);
        expect(first.items.map((r) => r.requestId)).toEqual([made[0]!.requestId, made[1]!.requestId]);
        expect(first.items[0]!.status).toBe('approved');
        expect(first.next).not.toBeNull();
        expect(await allUndelivered(store, 'agent-a', 2)).toEqual(made.map((r) => r.requestId));
        expect(await allUndelivered(store, 'agent-b', 2)).toEqual([other.requestId]);
        const last = await store.undelivered('agent-a', 5);
        expect(last.next).toBeNull();
      });

      it('awaitingDelivery names, of the principals asked about, those with a decision waiting for their receipt', async () => {
        expect(await store.awaitingDelivery(['agent-a', 'agent-b'])).toEqual([]);
        const a = await insertPending(store);
        const b = await insertPending(store, { principalId: 'agent-b' });
        await insertPending(store, { principalId: 'agent-c' });
        expect(await store.awaitingDelivery(['agent-a', 'agent-b', 'agent-c'])).toEqual([]);
        expect(await decide(store, a, 'agent-a', 'alice')).toBe(true);
        expect(await decide(store, b, 'agent-b', 'alice')).toBe(true);
        expect((await store.awaitingDelivery(['agent-a', 'agent-b', 'agent-c'])).sort()).toEqual(['agent-a', 'agent-b']);
        expect(await store.awaitingDelivery(['agent-b', 'nobody'])).toEqual(['agent-b']);
        expect(await store.awaitingDelivery([])).toEqual([]);
        expect(await store.markDelivered(a.requestId, 'agent-a', delivered(a.requestId, 'agent-a'), iso(BASE + 2000))).toBe(true);
        expect(await store.awaitingDelivery(['agent-a', 'agent-b'])).toEqual(['agent-b']);
      });
    });

    describe('trust fields, decision order and search', () => {
      it('keeps risk, summary, context and suspicious findings exactly as given', async () => {
        const record = await insertPending(store, {
          risk: 'critical',
          agentRisk: 'low',
          riskRule: 'prod is critical',
          summary: 'Delete pod web-1 in prod',
          context: { rationale: '**Why**: the pod is stuck', turns: [{ role: 'user', content: 'clean up' }] },
          suspicious: [{ field: 'args.name', kind: 'bidi_control', codePoints: ['U+202E'] }],
        });
        expect((await store.getRequest(record.requestId, EVERYTHING))?.record).toEqual(record);
        expect(await store.verifyAudit({})).toMatchObject({ ok: true });
      });

      it('sort "decided" lists only decided requests, latest decision first, paging with `after`', async () => {
        const [a, b, c] = [await insertPending(store), await insertPending(store), await insertPending(store)];
        await insertPending(store);
        const at = (record: ApprovalRecord, ms: number): ApprovalRecord => ({
          ...record,
          status: 'approved',
          decision: { approved: true, args: record.args, modified: false, decidedBy: { kind: 'reviewer', id: 'r', name: 'r' }, decidedAt: iso(BASE + ms) },
          resolvedAt: iso(BASE + ms),
        });
        for (const [record, ms] of [[c!, 1000], [a!, 2000], [b!, 3000]] as const) {
          expect(await store.transition({ requestId: record.requestId, record: at(record, ms), deliverTo: null, audit: [], at: iso(BASE + ms) })).toBe(true);
        }
        const first = await store.listRequests({ sort: 'decided', limit: 2, maxBytes: 1 << 20 }, EVERYTHING);
        expect(first.items.map((r) => r.requestId)).toEqual([b!.requestId, a!.requestId]);
        expect(first.items[0]!.resolvedAt).toBe(iso(BASE + 3000));
        const second = await store.listRequests({ sort: 'decided', limit: 2, after: first.next!, maxBytes: 1 << 20 }, EVERYTHING);
        expect(second.items.map((r) => r.requestId)).toEqual([c!.requestId]);
        expect(second.next).toBeNull();
      });

      it('q matches ids, run and conversation ids, tool and arguments in part, case-insensitively, within the scope', async () => {
        const hit = await insertPending(store, { runId: 'run-Needle', conversationId: 'conv-77', toolName: 'send_email', args: { to: 'Carol@example.com', note: '50% off_now' } });
        await insertPending(store, { queue: 'ops', runId: 'run-needle-ops' });
        const ids = async (q: string, scope = EVERYTHING) => (await store.listRequests({ q, limit: 50, maxBytes: 1 << 20 }, scope)).items.map((r) => r.requestId);
        expect(await ids(hit.requestId.slice(2))).toEqual([hit.requestId]);
        expect(await ids('needle')).toHaveLength(2);
        expect(await ids('needle', { queues: ['default'], principalId: null })).toEqual([hit.requestId]);
        for (const q of ['conv-77', 'SEND_EMAIL', 'carol@EXAMPLE', '50% off_', '%']) expect(await ids(q), q).toEqual([hit.requestId]);
        expect(await ids('50%x')).toEqual([]);
      });
    });

    describe('reads written once: the same order, ties and text matching on every store', () => {
      it('sort "decided" breaks a tie in decision time by position, newest first, and pages through it', async () => {
        const made = [await insertPending(store), await insertPending(store), await insertPending(store)];
        for (const r of made) expect(await decide(store, r, 'agent-a', 'alice')).toBe(true);
        const seen: string[] = [];
        let after: number | undefined;
        for (;;) {
          const page = await store.listRequests({ sort: 'decided', limit: 1, after, maxBytes: 1 << 20 }, EVERYTHING);
          seen.push(...page.items.map((r) => r.requestId));
          if (page.next === null) break;
          after = page.next;
        }
        expect(seen).toEqual([...made].reverse().map((r) => r.requestId));
      });

      it('q folds ASCII letters only; the summary, the agent label and JSON-escaped argument text match too', async () => {
        const hit = await insertPending(store, { summary: 'Überweisung an Zoë', principalId: 'agent-Quill', args: { path: 'C:\\tmp', say: 'he said "hi"' } });
        await insertPending(store);
        const ids = async (q: string) => (await store.listRequests({ q, limit: 50, maxBytes: 1 << 20 }, EVERYTHING)).items.map((r) => r.requestId);
        for (const q of ['Überweisung', 'berWEIS', 'an zoë', 'AGENT-quill', 'C:\\tmp', 'said "hi"']) expect(await ids(q), q).toEqual([hit.requestId]);
        // Non-ASCII letters match only as written: SQLite's LIKE knows no other case, and PostgreSQL is held to it.
        for (const q of ['überweisung', 'ZOË']) expect(await ids(q), q).toEqual([]);
      });

      it('listOutbox pages newest first with `before` and filters by status, channel and request', async () => {
        const hookRow = (id: string, requestId: string, channel = 'hook') =>
          ({ id, channel, kind: 'webhook', event: 'approval.resolved', requestId, target: null, payload: '{}', dueAt: BASE + 1000, onlyIfPending: false, createdAt: BASE }) as const;
        const [a, b] = [await insertPending(store), await insertPending(store)];
        const decideWith = (record: ApprovalRecord, outbox: ReturnType<typeof hookRow>[]) =>
          store.transition({ requestId: record.requestId, record: decided(record, 'alice', true), deliverTo: null, at: iso(BASE + 1000), outbox, audit: [] });
        expect(await decideWith(a!, [hookRow('a-1', a!.requestId), hookRow('a-2', a!.requestId, 'mail')])).toBe(true);
        expect(await decideWith(b!, [hookRow('b-1', b!.requestId), hookRow('b-2', b!.requestId)])).toBe(true);
        const seen: string[] = [];
        let before: number | undefined;
        for (;;) {
          const page = await store.listOutbox({ limit: 3, before });
          seen.push(...page.items.map((r) => r.id));
          if (page.next === null) break;
          before = page.next;
        }
        expect(seen).toEqual(['b-2', 'b-1', 'a-2', 'a-1']);
        expect((await store.listOutbox({ limit: 10, channel: 'mail' })).items.map((r) => r.id)).toEqual(['a-2']);
        expect((await store.listOutbox({ limit: 10, requestId: b!.requestId, channel: 'hook' })).items.map((r) => r.id)).toEqual(['b-2', 'b-1']);
        const [claimed] = await store.claimOutbox({ now: BASE + 2000, limit: 1, leaseMs: 60_000 });
        expect(await store.settleOutbox({ id: claimed!.id, attempt: claimed!.attempts, at: BASE + 2000, outcome: 'delivered' })).toBe(true);
        expect((await store.listOutbox({ limit: 10, status: 'delivered' })).items.map((r) => r.id)).toEqual([claimed!.id]);
        expect((await store.listOutbox({ limit: 10, status: 'pending' })).items).toHaveLength(3);
        expect(await store.outboxCounts()).toMatchObject({ pending: 3, delivered: 1, dead: 0 });
      });

      it('listAudit filters by request, type, queue and time, newest first', async () => {
        const ops = await insertPending(store, { queue: 'ops' });
        const other = await insertPending(store);
        expect(await decide(store, ops, 'agent-a', 'alice')).toBe(true);
        const types = async (query: Partial<Parameters<ApprovalStore['listAudit']>[0]>, queues: readonly string[] | null = null) =>
          (await store.listAudit({ limit: 100, includeHubRows: false, ...query }, queues)).items.map((e) => [e.type, e.requestId]);
        expect(await types({ requestId: ops.requestId })).toEqual([['decided', ops.requestId], ['requested', ops.requestId]]);
        expect(await types({ type: ['requested'] })).toEqual([['requested', other.requestId], ['requested', ops.requestId]]);
        expect(await types({ type: [] })).toEqual([]);
        expect(await types({ queue: 'default' })).toEqual([['requested', other.requestId]]);
        expect(await types({}, ['ops', 'billing'])).toEqual([['decided', ops.requestId], ['requested', ops.requestId]]);
        const all = (await store.listAudit({ limit: 100, includeHubRows: false }, null)).items;
        const decidedAt = all.find((e) => e.type === 'decided')!.at;
        expect(await types({ since: decidedAt })).toEqual([['decided', ops.requestId]]);
        expect((await types({ until: decidedAt })).map(([type]) => type)).toEqual(['requested', 'requested']);
      });

      it('listGrants pages newest first and filters by status, queue, tool, grantor and request, within the queues', async () => {
        const grantOf = (record: ApprovalRecord, overrides: Partial<Grant> = {}): Grant => ({
          grantId: `grant-${record.requestId}`,
          effect: 'allow',
          queue: record.queue,
          match: { agent: 'agent-a', toolName: record.toolName, onBehalfOf: null, args: {} },
          grantedBy: { id: 'alice', name: 'Alice' },
          fromRequestId: record.requestId,
          createdAt: iso(BASE),
          expiresAt: iso(BASE + 60_000),
          uses: 0,
          status: 'active',
          ...overrides,
        });
        const grants: Grant[] = [];
        for (const [queue, toolName, by, expiresIn] of [
          ['default', 'delete_pod', 'alice', 60_000],
          ['ops', 'delete_pod', 'bob', 60_000],
          ['default', 'send_email', 'alice', 1_000],
        ] as const) {
          const record = await insertPending(store, { queue, toolName });
          const grant = grantOf(record, { grantedBy: { id: by, name: by }, expiresAt: iso(BASE + expiresIn) });
          expect(await store.transition({ requestId: record.requestId, record: decided(record, by, true), deliverTo: null, at: iso(BASE + 1000), audit: [], grant })).toBe(true);
          grants.push(grant);
        }
        const ids = async (query: Partial<Parameters<ApprovalStore['listGrants']>[0]>, queues: readonly string[] | null = null) =>
          (await store.listGrants({ limit: 10, now: BASE + 2000, ...query }, queues)).items.map((g) => g.grantId);
        const [g0, g1, g2] = grants.map((g) => g.grantId);
        const seen: string[] = [];
        let after: number | undefined;
        for (;;) {
          const page = await store.listGrants({ limit: 2, after, now: BASE + 2000 }, null);
          seen.push(...page.items.map((g) => g.grantId));
          if (page.next === null) break;
          after = page.next;
        }
        expect(seen).toEqual([g2, g1, g0]);
        expect(await ids({ status: ['expired'] })).toEqual([g2]);
        expect(await ids({ status: ['active', 'revoked'] })).toEqual([g1, g0]);
        expect(await ids({ status: [] })).toEqual([]);
        expect(await ids({ queue: 'ops' })).toEqual([g1]);
        expect(await ids({ toolName: 'delete_pod', grantedBy: 'alice' })).toEqual([g0]);
        expect(await ids({ fromRequestId: grants[2]!.fromRequestId })).toEqual([g2]);
        expect(await ids({}, ['ops'])).toEqual([g1]);
        expect(await ids({}, [])).toEqual([]);
      });
    });

    describe('the audit chain', () => {
      it('stays gap-free and verifies after many concurrent writes of every kind', async () => {
        const records = await Promise.all(Array.from({ length: 20 }, () => insertPending(store)));
        await Promise.all([
          ...records.map((r, i) => decide(store, r, 'agent-a', `reviewer-${i % 3}`)),
          ...records.map((r) => decide(store, r, 'agent-a', 'late-reviewer')),
          store.appendAudit([auditEvent('input_rejected', null, null, { kind: 'hub' }, { channel: 'test', code: 'invalid_payload', message: 'bad' })], iso(BASE)),
          ...Array.from({ length: 5 }, () => insertPending(store, { queue: 'ops' })),
        ]);
        await Promise.all(records.map((r) => store.markDelivered(r.requestId, 'agent-a', delivered(r.requestId, 'agent-a'), iso(BASE + 3000))));

        const entries = [];
        let after: number | undefined;
        for (;;) {
          const page = await store.listAudit({ limit: 17, after, includeHubRows: true }, null);
          entries.push(...page.items);
          if (page.next === null) break;
          after = page.next;
        }
        // 20 requested + 20 decided + 1 input_rejected + 5 requested + 20 delivered.
        expect(entries).toHaveLength(66);
        const seqs = entries.map((e) => e.seq!).reverse();
        expect(seqs).toEqual(Array.from({ length: 66 }, (_, i) => seqs[0]! + i));
        for (let i = 1; i < entries.length; i++) expect(entries[i - 1]!.prevHash).toBe(entries[i]!.hash);

        const head = await store.auditHead();
        expect(head).toMatchObject({ seq: seqs.at(-1), hash: entries[0]!.hash });
        const verified = await store.verifyAudit({ expectedHead: { seq: head.seq, hash: head.hash } });
        expect(verified).toMatchObject({ ok: true, checked: 66, head: { seq: head.seq, hash: head.hash } });
        expect(verified.firstBad).toBeUndefined();
        expect(verified.badState).toBeUndefined();
      });

      it('hub-level rows are left out of listAudit unless asked for, and a queue scope keeps to its queues', async () => {
        await insertPending(store, { queue: 'ops' });
        await insertPending(store, { queue: 'billing' });
        await store.appendAudit([auditEvent('input_rejected', null, null, { kind: 'hub' }, { channel: 'test', code: 'invalid_payload', message: 'x' })], iso(BASE));
        expect((await store.listAudit({ limit: 100, includeHubRows: true }, null)).items).toHaveLength(3);
        expect((await store.listAudit({ limit: 100, includeHubRows: false }, null)).items).toHaveLength(2);
        expect((await store.listAudit({ limit: 100, includeHubRows: false }, ['ops'])).items.map((e) => e.queue)).toEqual(['ops']);
        expect((await store.listAudit({ limit: 100, includeHubRows: false }, [])).items).toEqual([]);
      });

      it('auditHead matches the last row, and an expectedHead that differs fails verification', async () => {
        expect(await store.auditHead()).toMatchObject({ seq: 0, at: null });
        const record = await insertPending(store);
        await decide(store, record, 'agent-a', 'alice');
        const head = await store.auditHead();
        const timeline = await store.timeline(record.requestId);
        expect(head).toEqual({ seq: timeline.at(-1)!.seq, hash: timeline.at(-1)!.hash, at: timeline.at(-1)!.at });
        expect(await store.verifyAudit({ expectedHead: { seq: head.seq, hash: head.hash } })).toMatchObject({ ok: true });

        const wrongHash = head.hash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
        expect((await store.verifyAudit({ expectedHead: { seq: head.seq, hash: wrongHash } })).ok).toBe(false);
        expect((await store.verifyAudit({ expectedHead: { seq: head.seq + 1, hash: head.hash } })).ok).toBe(false);
        // An older exported head is a prefix of the chain: still fine.
        const first = timeline[0]!;
        expect(await store.verifyAudit({ expectedHead: { seq: first.seq!, hash: first.hash! } })).toMatchObject({ ok: true });
      });

      it('timeline lists a request\'s rows in order, with the state hash of each change', async () => {
        const record = await insertPending(store);
        await decide(store, record, 'agent-a', 'alice');
        await store.markDelivered(record.requestId, 'agent-a', delivered(record.requestId, 'agent-a'), iso(BASE + 2000));
        const timeline = await store.timeline(record.requestId);
        expect(timeline.map((e) => e.type)).toEqual(['requested', 'decided', 'delivered']);
        const hashes = timeline.map((e) => e.stateHash);
        expect(hashes.every((h) => typeof h === 'string' && h.length > 0)).toBe(true);
        expect(new Set(hashes).size).toBe(3);
      });
    });

    describe('retention: purgeDecided', () => {
      const DAY = 86_400_000;
      const cancel = (record: ApprovalRecord) =>
        store.transition({ requestId: record.requestId, record: { ...record, status: 'cancelled' }, deliverTo: null, at: iso(BASE), audit: [auditEvent('cancelled', record.requestId, record.queue, { kind: 'agent', id: 'agent-a', name: 'agent-a' }, {})] });

      it('removes only requests resolved before the cutoff, with their deliveries, in one audited batch; audit rows stay', async () => {
        const old = await insertPending(store);
        const oldDelivered = await insertPending(store);
        const stillPending = await insertPending(store);
        const cancelled = await insertPending(store); // resolved at its deadline: BASE + 60 s
        await decide(store, old, 'agent-a', 'alice'); // decided at BASE + 1 s, delivery still queued
        await decide(store, oldDelivered, 'agent-a', 'alice');
        await store.markDelivered(oldDelivered.requestId, 'agent-a', delivered(oldDelivered.requestId, 'agent-a'), iso(BASE + 2000));
        await cancel(cancelled);
        const headBefore = await store.auditHead();
        // Cutoff between the decisions (BASE + 1 s) and the cancelled request's deadline (BASE + 60 s).
        const ids = await store.purgeDecided({ resolvedBefore: BASE + 30_000, limit: 100, at: iso(BASE + 2 * DAY) });
        expect(ids).toEqual([old.requestId, oldDelivered.requestId]);
        expect(await store.getRequest(old.requestId, EVERYTHING)).toBeNull();
        expect(await store.getRequest(oldDelivered.requestId, EVERYTHING)).toBeNull();
        expect(await store.getRequest(stillPending.requestId, EVERYTHING)).not.toBeNull();
        expect(await store.getRequest(cancelled.requestId, EVERYTHING)).not.toBeNull();
        expect(await allUndelivered(store, 'agent-a')).toEqual([]);
        expect((await store.listRequests({ limit: 100, maxBytes: 1 << 24 }, EVERYTHING)).items.map((r) => r.requestId).sort()).toEqual([stillPending.requestId, cancelled.requestId].sort());
        // The request's own audit rows are kept, and one `purged` row names what went.
        expect((await store.timeline(old.requestId)).map((e) => e.type)).toEqual(['requested', 'decided']);
        const head = await store.auditHead();
        expect(head.seq).toBe(headBefore.seq + 1);
        const last = (await store.listAudit({ limit: 1, includeHubRows: true }, null)).items[0]!;
        expect(last).toMatchObject({ type: 'purged', requestId: null, queue: null, actor: { kind: 'hub' }, data: { resolvedBefore: iso(BASE + 30_000), requestIds: ids } });
        expect(await store.verifyAudit({ expectedHead: { seq: headBefore.seq, hash: headBefore.hash } })).toMatchObject({ ok: true });
        // The cancelled one goes once the cutoff passes its deadline.
        expect(await store.purgeDecided({ resolvedBefore: BASE + 61_000, limit: 100, at: iso(BASE + 2 * DAY) })).toEqual([cancelled.requestId]);
        expect(await store.verifyAudit({})).toMatchObject({ ok: true });
      });

      it('takes at most `limit` per call, oldest first; nothing qualifying writes nothing', async () => {
        const records = [];
        for (let i = 0; i < 5; i++) {
          const record = await insertPending(store);
          await decide(store, record, 'agent-a', 'alice');
          records.push(record);
        }
        const head = await store.auditHead();
        expect(await store.purgeDecided({ resolvedBefore: BASE, limit: 10, at: iso(BASE) })).toEqual([]);
        expect(await store.auditHead()).toEqual(head);
        expect(await store.purgeDecided({ resolvedBefore: BASE + DAY, limit: 2, at: iso(BASE + DAY) })).toEqual(records.slice(0, 2).map((r) => r.requestId));
        expect(await store.purgeDecided({ resolvedBefore: BASE + DAY, limit: 2, at: iso(BASE + DAY) })).toEqual(records.slice(2, 4).map((r) => r.requestId));
        expect(await store.purgeDecided({ resolvedBefore: BASE + DAY, limit: 2, at: iso(BASE + DAY) })).toEqual([records[4]!.requestId]);
        expect(await store.purgeDecided({ resolvedBefore: BASE + DAY, limit: 2, at: iso(BASE + DAY) })).toEqual([]);
        expect(await store.verifyAudit({})).toMatchObject({ ok: true });
      });

      it('a purged requestId can be used again, and verification still holds', async () => {
        const record = await insertPending(store);
        await decide(store, record, 'agent-a', 'alice');
        await store.purgeDecided({ resolvedBefore: BASE + DAY, limit: 10, at: iso(BASE + DAY) });
        const again = await store.insertRequest(insertOf(record, 'agent-a'));
        expect(again.kind).toBe('created');
        expect(await store.verifyAudit({})).toMatchObject({ ok: true });
      });
    });

    describe('retention: purgeSpent', () => {
      const DAY = 86_400_000;
      const hook = (id: string, requestId: string, dueAt: number) =>
        ({ id, channel: 'hook', kind: 'webhook', event: 'approval.resolved', requestId, target: null, payload: '{}', dueAt, onlyIfPending: false, createdAt: BASE }) as const;
      const decideWith = (record: ApprovalRecord, linkId: string, outbox: ReturnType<typeof hook>[]) =>
        store.transition({
          requestId: record.requestId,
          record: decided(record, 'alice', true),
          deliverTo: null,
          at: iso(BASE + 1000),
          linkUse: { linkId, principalId: 'alice', usedAt: iso(BASE + 1000) },
          outbox,
          audit: [auditEvent('decided', record.requestId, record.queue, { kind: 'reviewer', id: 'alice', name: 'alice' }, { approved: true, modified: false })],
        });

      it('removes settled outbox rows and spent links of purged requests older than the cutoff, in batches, without an audit row', async () => {
        const gone = await insertPending(store);
        const stays = await insertPending(store);
        const later = hook('gone-later', gone.requestId, BASE + 10 * DAY);
        expect(await decideWith(gone, 'link-gone-0123456789', [hook('gone-sent', gone.requestId, BASE + 1000), hook('gone-dead', gone.requestId, BASE + 1000), later])).toBe(true);
        expect(await decideWith(stays, 'link-stays-0123456789', [hook('stays-sent', stays.requestId, BASE + 1000)])).toBe(true);
        const claimed = await store.claimOutbox({ now: BASE + 2000, limit: 10, leaseMs: 60_000 });
        expect(claimed.map((r) => r.id).sort()).toEqual(['gone-dead', 'gone-sent', 'stays-sent']);
        for (const row of claimed) {
          expect(await store.settleOutbox({ id: row.id, attempt: row.attempts, at: BASE + 2000, outcome: row.id === 'gone-dead' ? 'dead' : 'delivered' })).toBe(true);
        }
        // While the request is stored, nothing of it goes, however old.
        expect(await store.purgeSpent({ before: BASE + DAY, limit: 10 })).toEqual({ outbox: 0, linkUses: 0 });
        expect(await store.purgeDecided({ resolvedBefore: BASE + DAY, limit: 1, at: iso(BASE + DAY) })).toEqual([gone.requestId]);
        // Not older than the cutoff: the rows were last attempted at BASE + 2 s, the link used at BASE + 1 s.
        expect(await store.purgeSpent({ before: BASE + 1000, limit: 10 })).toEqual({ outbox: 0, linkUses: 0 });
        const head = await store.auditHead();
        expect(await store.purgeSpent({ before: BASE + DAY, limit: 1 })).toEqual({ outbox: 1, linkUses: 1 });
        expect(await store.purgeSpent({ before: BASE + DAY, limit: 1 })).toEqual({ outbox: 1, linkUses: 0 });
        expect(await store.purgeSpent({ before: BASE + DAY, limit: 1 })).toEqual({ outbox: 0, linkUses: 0 });
        expect(await store.auditHead()).toEqual(head);
        // A row still to send stays (the dispatcher settles it); the stored request keeps its rows and its spent link.
        expect((await store.outboxOf(gone.requestId, 'hook')).map((r) => [r.id, r.status])).toEqual([[later.id, 'pending']]);
        expect((await store.outboxOf(stays.requestId, 'hook')).map((r) => [r.id, r.status])).toEqual([['stays-sent', 'delivered']]);
        expect(await store.decisionLinkUsed('link-gone-0123456789')).toBe(false);
        expect(await store.decisionLinkUsed('link-stays-0123456789')).toBe(true);
        expect(await store.outboxCounts()).toMatchObject({ pending: 1, delivered: 1, dead: 0 });
        expect(await store.verifyAudit({})).toMatchObject({ ok: true });
      });
    });

    describe('counts', () => {
      it('pending per queue and the undelivered backlog follow inserts, decisions and receipts', async () => {
        expect(await store.counts()).toEqual({ pendingByQueue: {}, undelivered: 0 });
        const a = await insertPending(store, { queue: 'ops' });
        await insertPending(store, { queue: 'ops' });
        await insertPending(store);
        expect(await store.counts()).toEqual({ pendingByQueue: { ops: 2, default: 1 }, undelivered: 0 });
        await decide(store, a, 'agent-a', 'alice');
        expect(await store.counts()).toEqual({ pendingByQueue: { ops: 1, default: 1 }, undelivered: 1 });
        await store.markDelivered(a.requestId, 'agent-a', delivered(a.requestId, 'agent-a'), iso(BASE + 2000));
        expect(await store.counts()).toEqual({ pendingByQueue: { ops: 1, default: 1 }, undelivered: 0 });
      });
    });

    describe('pending counters (quotas and counts read counters kept in the writing transaction)', () => {
      it('stay exact across request, decide, expire, cancel, escalate, purge and writes that lose or fail', async () => {
        const a1 = await insertPending(store);
        const a2 = await insertPending(store);
        const a3 = await insertPending(store, { queue: 'ops' });
        const b1 = await insertPending(store, { principalId: 'agent-b', queue: 'ops' });
        const b2 = await insertPending(store, { principalId: 'agent-b', escalation: { rule: 'r', toQueue: 'ops', escalateAt: iso(BASE + 5000) } });
        await expectCountersExact(store);
        // Decided, expired and cancelled: each leaves pending once; a second transition loses and changes nothing.
        expect(await decide(store, a1, 'agent-a', 'alice')).toBe(true);
        expect(await decide(store, a1, 'agent-a', 'bob')).toBe(false);
        const expired: ApprovalRecord = { ...a2, status: 'expired', resolvedAt: a2.expiresAt };
        expect(await store.transition({ requestId: a2.requestId, record: expired, deliverTo: 'agent-a', at: a2.expiresAt, audit: [] })).toBe(true);
        const cancelled: ApprovalRecord = { ...b1, status: 'cancelled', resolvedAt: iso(BASE + 10) };
        expect(await store.transition({ requestId: b1.requestId, record: cancelled, deliverTo: null, at: iso(BASE + 10), audit: [] })).toBe(true);
        await expectCountersExact(store);
        // An escalation moves a pending request to another queue.
        const moved = { ...b2, queue: 'ops', escalation: { ...b2.escalation!, fromQueue: 'default', escalatedAt: iso(BASE + 5000) } };
        expect(await store.updatePending({ requestId: b2.requestId, before: b2, record: moved, at: iso(BASE + 5000), audit: [] })).toBe(true);
        await expectCountersExact(store);
        // Writes that fail inside their transaction count nothing: an insert whose outbox row clashes, a decision
        // whose grant clashes, an insert refused by its quota, an insert of a requestId already taken.
        const entry = { id: 'outbox-clash', channel: 'hook', kind: 'webhook', event: 'approval.requested', requestId: a3.requestId, target: null, payload: '{}', dueAt: BASE, onlyIfPending: false, createdAt: BASE } as const;
        await insertPending(store, { queue: 'ops' }).then((r) => store.transition({ requestId: r.requestId, record: decided(r, 'alice', true), deliverTo: null, at: iso(BASE), audit: [], outbox: [entry] }));
        const clash = pending({ queue: 'ops' });
        await expect(store.insertRequest(insertOf(clash.record, clash.principalId, { outbox: [entry] }))).rejects.toThrow();
        expect(await store.getRequest(clash.record.requestId, EVERYTHING)).toBeNull();
        const grant: Grant = { grantId: 'grant-clash', effect: 'allow', queue: 'ops', match: { agent: 'agent-a', toolName: 'delete_pod', onBehalfOf: null, args: {} }, grantedBy: { id: 'alice', name: 'Alice' }, fromRequestId: a1.requestId, createdAt: iso(BASE), expiresAt: iso(BASE + 60_000), uses: 0, status: 'active' };
        const granting = await insertPending(store, { queue: 'ops' });
        expect(await store.transition({ requestId: granting.requestId, record: decided(granting, 'alice', true), deliverTo: null, at: iso(BASE), audit: [], grant })).toBe(true);
        await expect(store.transition({ requestId: a3.requestId, record: decided(a3, 'alice', true), deliverTo: null, at: iso(BASE), audit: [], grant })).rejects.toThrow();
        expect((await store.getRequest(a3.requestId, EVERYTHING))?.record.status).toBe('pending');
        const over = pending({ queue: 'ops' });
        expect((await store.insertRequest(insertOf(over.record, over.principalId, { quota: { maxPendingPerAgent: 100, maxPendingPerQueue: 1 } }))).kind).toBe('quota_exceeded');
        expect((await store.insertRequest(insertOf(a3, 'agent-a'))).kind).toBe('existing');
        await expectCountersExact(store);
        // Retention removes only resolved requests.
        expect(await store.purgeDecided({ resolvedBefore: BASE + 3_600_000, limit: 100, at: iso(BASE + 3_600_000) })).not.toEqual([]);
        await expectCountersExact(store);
      });

      it('stay exact after the store is killed with writes in flight, and across a reopen', async () => {
        await insertPending(store, { queue: 'crash-q0', principalId: 'crash-agent-0' });
        await store.close();
        await s.crashWhileWriting();
        store = await s.reopen();
        s.store = store;
        const truth = await pendingTruth(store);
        expect(Object.values(truth.byQueue).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(1);
        await expectCountersExact(store);
        expect(await store.verifyAudit({})).toMatchObject({ ok: true });
      });
    });

    describe('persistence', () => {
      it('secret() is stable across a reopen, and so is the data', async () => {
        const secret = await store.secret();
        expect(secret.length).toBeGreaterThanOrEqual(16);
        expect(await store.secret()).toEqual(secret);
        const record = await insertPending(store);
        const head = await store.auditHead();
        await store.close();
        store = await s.reopen();
        s.store = store;
        expect(await store.secret()).toEqual(secret);
        expect((await store.getRequest(record.requestId, EVERYTHING))?.record).toEqual(record);
        expect(await store.auditHead()).toEqual(head);
        expect(await store.verifyAudit({ expectedHead: { seq: head.seq, hash: head.hash } })).toMatchObject({ ok: true });
        await store.ping();
      });
    });

    describe('grants, quorum and escalation', () => {
      const grantOf = (record: ApprovalRecord, overrides: Partial<Grant> = {}): Grant => ({
        grantId: `grant-${record.requestId}`,
        effect: 'allow',
        queue: record.queue,
        match: { agent: 'agent-a', toolName: record.toolName, onBehalfOf: null, args: { name: { glob: 'web-*' } } },
        grantedBy: { id: 'alice', name: 'Alice' },
        fromRequestId: record.requestId,
        createdAt: iso(BASE),
        expiresAt: iso(BASE + 60_000),
        uses: 0,
        status: 'active',
        ...overrides,
      });
      const grantFrom = async (overrides: Partial<Grant> = {}) => {
        const record = await insertPending(store);
        const grant = grantOf(record, overrides);
        const moved = await store.transition({ requestId: record.requestId, record: decided(record, 'alice', true), deliverTo: 'agent-a', at: iso(BASE + 1000), audit: [], grant });
        expect(moved).toBe(true);
        return grant;
      };
      const byGrant = (grant: Grant): ApprovalRecord => {
        const { record } = pending();
        return { ...record, status: 'approved', decision: { approved: true, args: record.args, modified: false, decidedBy: { kind: 'grant', grantId: grant.grantId, grantedBy: grant.grantedBy }, decidedAt: record.createdAt }, resolvedAt: record.createdAt };
      };

      it('stores a grant with its decision, in the same transaction, and only when the transition happens', async () => {
        const grant = await grantFrom({ maxUses: 3 });
        expect(await store.getGrant(grant.grantId, null, BASE)).toEqual(grant);
        expect(await store.liveGrants('default', BASE)).toEqual([grant]);
        expect(await store.liveGrants('ops', BASE)).toEqual([]);
        expect(await store.getGrant(grant.grantId, ['ops'], BASE)).toBeNull();
        // A transition that loses (the request is decided already) stores no grant.
        const lost = { ...grantOf(await insertPending(store)), grantId: 'grant-lost' };
        const again = await store.transition({ requestId: grant.fromRequestId, record: decided((await store.getRequest(grant.fromRequestId, EVERYTHING))!.record, 'bob', false), deliverTo: null, at: iso(BASE), audit: [], grant: lost });
        expect(again).toBe(false);
        expect(await store.getGrant('grant-lost', null, BASE)).toBeNull();
        expect((await store.listGrants({ limit: 10, now: BASE }, null)).items.map((g) => g.grantId)).toEqual([grant.grantId]);
        expect((await store.listGrants({ limit: 10, now: BASE + 60_000, status: ['expired'] }, null)).items).toHaveLength(1);
        expect((await store.listGrants({ limit: 10, now: BASE, status: ['expired'] }, null)).items).toHaveLength(0);
      });

      it('counts grant uses atomically against maxUses: concurrent uses of the last allowance, one wins', async () => {
        const grant = await grantFrom({ maxUses: 2 });
        const outcomes = await Promise.all(
          [1, 2, 3, 4, 5].map(() => {
            const record = byGrant(grant);
            return store.insertRequest({ ...insertOf(record, 'agent-a', { deliver: true }), grantUse: { grantId: grant.grantId, now: BASE } });
          }),
        );
        expect(outcomes.filter((o) => o.kind === 'created')).toHaveLength(2);
        expect(outcomes.filter((o) => o.kind === 'grant_unavailable')).toHaveLength(3);
        expect(await store.getGrant(grant.grantId, null, BASE)).toMatchObject({ uses: 2, status: 'used_up' });
        expect(await store.liveGrants('default', BASE)).toEqual([]);
        // Nothing of a refused use was written.
        expect((await store.listRequests({ limit: 100, maxBytes: 1 << 20, status: ['approved'] }, EVERYTHING)).items.filter((r) => r.decision?.decidedBy.kind === 'grant')).toHaveLength(2);
        // Expired: no use either.
        const late = await grantFrom();
        expect((await store.insertRequest({ ...insertOf(byGrant(late), 'agent-a'), grantUse: { grantId: late.grantId, now: BASE + 60_000 } })).kind).toBe('grant_unavailable');
      });

      it('revokes once, within the revoker\'s queues; a revoked grant is used no more', async () => {
        const grant = await grantFrom();
        const revoke = (queues: readonly string[] | null) =>
          store.revokeGrant({ grantId: grant.grantId, queues, by: { id: 'bob', name: 'Bob' }, at: iso(BASE + 2000), now: BASE + 2000, audit: [auditEvent('grant_revoked', grant.fromRequestId, 'default', { kind: 'reviewer', id: 'bob', name: 'Bob' }, { grantId: grant.grantId, effect: 'allow', fromRequestId: grant.fromRequestId })] });
        expect(await revoke(['ops'])).toBeNull();
        const head = await store.auditHead();
        const [first, second] = await Promise.all([revoke(null), revoke(['default'])]);
        expect([first?.revoked, second?.revoked].sort()).toEqual([false, true]);
        expect((await store.auditHead()).seq).toBe(head.seq + 1);
        expect(await store.getGrant(grant.grantId, null, BASE)).toMatchObject({ status: 'revoked', revokedBy: { id: 'bob' }, revokedAt: iso(BASE + 2000) });
        expect((await store.insertRequest({ ...insertOf(byGrant(grant), 'agent-a'), grantUse: { grantId: grant.grantId, now: BASE } })).kind).toBe('grant_unavailable');
        expect(await store.revokeGrant({ grantId: 'no-such', queues: null, by: { id: 'bob', name: 'Bob' }, at: iso(BASE), now: BASE, audit: [] })).toBeNull();
      });

      it('updates a pending request only while it is as read: of concurrent quorum approvals on the same state, one counts', async () => {
        const record = await insertPending(store, { quorum: { rule: 'two', required: 2, approvals: [] } });
        const approve = (id: string) => {
          const after = { ...record, quorum: { ...record.quorum!, approvals: [{ id, name: id, at: iso(BASE + 1) }] } };
          return store.updatePending({ requestId: record.requestId, before: record, record: after, at: iso(BASE + 1), audit: [auditEvent('quorum_approved', record.requestId, record.queue, { kind: 'reviewer', id, name: id }, { approvals: 1, required: 2, rule: 'two', modified: false })] });
        };
        const results = await Promise.all([approve('alice'), approve('bob')]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const now = (await store.getRequest(record.requestId, EVERYTHING))!.record;
        expect(now.quorum?.approvals).toHaveLength(1);
        // The last approval: a transition that expects the state read; a stale read loses.
        const final = (before: ApprovalRecord, id: string) => {
          const quorum = { ...before.quorum!, approvals: [...before.quorum!.approvals, { id, name: id, at: iso(BASE + 2) }] };
          const audit = [auditEvent('decided', record.requestId, record.queue, { kind: 'reviewer', id, name: id }, { approved: true, modified: false })];
          return store.transition({ requestId: record.requestId, record: { ...decided(before, id, true), quorum }, deliverTo: 'agent-a', at: iso(BASE + 2), audit, expect: before });
        };
        expect(await final(record, 'carol')).toBe(false);
        expect(await final(now, 'carol')).toBe(true);
        expect((await store.getRequest(record.requestId, EVERYTHING))!.record.quorum?.approvals).toHaveLength(2);
        expect(await store.verifyAudit({})).toMatchObject({ ok: true });
      });

      it('a partial quorum approval through a link spends it in the same write: once, and only with the update', async () => {
        const record = await insertPending(store, { quorum: { rule: 'two', required: 2, approvals: [] } });
        const linkUse = { linkId: 'link-partial-0123456789', principalId: 'alice', usedAt: iso(BASE + 1) };
        const approve = (before: ApprovalRecord, id: string) => {
          const after = { ...before, quorum: { ...before.quorum!, approvals: [...before.quorum!.approvals, { id, name: id, at: iso(BASE + 1) }] } };
          return store.updatePending({ requestId: record.requestId, before, record: after, at: iso(BASE + 1), linkUse, audit: [auditEvent('quorum_approved', record.requestId, record.queue, { kind: 'reviewer', id, name: id }, { approvals: 1, required: 2, rule: 'two', modified: false })] });
        };
        // A stale read loses and leaves the link unspent.
        const stale = { ...record, quorum: { ...record.quorum!, approvals: [{ id: 'zed', name: 'zed', at: iso(BASE) }] } };
        expect(await approve(stale, 'alice')).toBe(false);
        expect(await store.decisionLinkUsed(linkUse.linkId)).toBe(false);
        expect(await approve(record, 'alice')).toBe(true);
        expect(await store.decisionLinkUsed(linkUse.linkId)).toBe(true);
        // Spent: the next update through it writes nothing, even on the state as it now is.
        const head = await store.auditHead();
        const now = (await store.getRequest(record.requestId, EVERYTHING))!.record;
        expect(await approve(now, 'alice')).toBe(false);
        expect(await store.auditHead()).toEqual(head);
        expect((await store.getRequest(record.requestId, EVERYTHING))!.record.quorum?.approvals.map((a) => a.id)).toEqual(['alice']);
        expect(await store.verifyAudit({})).toMatchObject({ ok: true });
      });

      it('a link is spent first, only while the request is pending: concurrent partial approvals through one link count once, a decided request spends none', async () => {
        const record = await insertPending(store, { quorum: { rule: 'two', required: 2, approvals: [] } });
        const approve = (before: ApprovalRecord, id: string, linkId: string) => {
          const after = { ...before, quorum: { ...before.quorum!, approvals: [...before.quorum!.approvals, { id, name: id, at: iso(BASE + 1) }] } };
          const linkUse = { linkId, principalId: id, usedAt: iso(BASE + 1) };
          return store.updatePending({ requestId: record.requestId, before, record: after, at: iso(BASE + 1), linkUse, audit: [auditEvent('quorum_approved', record.requestId, record.queue, { kind: 'reviewer', id, name: id }, { approvals: 1, required: 2, rule: 'two', modified: false })] });
        };
        const head = await store.auditHead();
        // The same link twice at once, and another reviewer's link on the same state: one write counts.
        const results = await Promise.all([approve(record, 'alice', 'link-a-0123456789'), approve(record, 'alice', 'link-a-0123456789'), approve(record, 'bob', 'link-b-0123456789')]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await store.auditHead()).seq).toBe(head.seq + 1);
        // Spent exactly when its update won.
        expect(await store.decisionLinkUsed('link-a-0123456789')).toBe(results[0] === true || results[1] === true);
        expect(await store.decisionLinkUsed('link-b-0123456789')).toBe(results[2] === true);
        // Decided: a link used on it now is not spent, and nothing is written.
        const now = (await store.getRequest(record.requestId, EVERYTHING))!.record;
        expect(await decide(store, now, 'agent-a', 'carol')).toBe(true);
        const after = await store.auditHead();
        expect(await approve(now, 'erin', 'link-e-0123456789')).toBe(false);
        expect(await store.decisionLinkUsed('link-e-0123456789')).toBe(false);
        expect(await store.auditHead()).toEqual(after);
        expect(await store.verifyAudit({})).toMatchObject({ ok: true });
      });

      it('escalation: due requests by time, moved once, and the move survives a reopen', async () => {
        const record = await insertPending(store, { escalation: { rule: 'r', toQueue: 'ops', escalateAt: iso(BASE + 5000) } });
        await insertPending(store);
        expect(await store.nextEscalation()).toBe(BASE + 5000);
        expect(await store.dueEscalations(BASE + 4999, 10)).toEqual([]);
        const [due] = await store.dueEscalations(BASE + 5000, 10);
        expect(due?.record).toEqual(record);
        const moved = { ...record, queue: 'ops', escalation: { ...record.escalation!, fromQueue: 'default', escalatedAt: iso(BASE + 5000) } };
        const move = () => store.updatePending({ requestId: record.requestId, before: record, record: moved, at: iso(BASE + 5000), audit: [auditEvent('escalated', record.requestId, 'ops', { kind: 'hub' }, { fromQueue: 'default', toQueue: 'ops', rule: 'r', afterMs: 5000 })] });
        const results = await Promise.all([move(), move()]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.dueEscalations(BASE + 10_000, 10)).toEqual([]);
        expect(await store.nextEscalation()).toBeNull();
        await store.close();
        store = await s.reopen();
        s.store = store;
        expect((await store.getRequest(record.requestId, EVERYTHING))?.record).toEqual(moved);
        expect((await store.listPending(['ops'], { limit: 10, maxBytes: 1 << 20 })).items.map((r) => r.requestId)).toEqual([record.requestId]);
        expect(await store.verifyAudit({})).toMatchObject({ ok: true });
      });
    });
  });
}
