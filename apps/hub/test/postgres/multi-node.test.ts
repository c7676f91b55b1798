import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditEvent } from '../../src/audit/audit-events.js';
import { CHANGE_CHANNEL, type ChangeNotice } from '../../src/store/postgres/change-notice.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Grant } from '@approval-hub/protocol';
import { EVERYTHING, type InsertRequest, type StoreChange } from '../../src/store/store.js';
import { allAudit, allRequests } from '../support/test-hub.js';
import { freshDatabase, type TestDatabase } from '../support/postgres.js';
import { decision, pendingInsert } from './store-records.js';

/**
 * Several stores on one database, each with its own pool: what several hub nodes look like to PostgreSQL. The
 * guarantees that one process gets from its own transactions must hold across them.
 */
describe('PostgreSQL store: several nodes on one database', () => {
  let database: TestDatabase;
  let nodes: PostgresStore[];
  const open = async (n: number) => {
    // Opened together: they also race to migrate (see migrations.test.ts for the check that it happens once).
    nodes = await Promise.all(Array.from({ length: n }, () => openPostgresStore({ url: database.url })));
    return nodes;
  };

  beforeEach(async () => {
    database = await freshDatabase();
    nodes = [];
  });
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.close()));
    await database.drop();
  });

  it('two nodes deciding one request at the same instant: exactly one wins, every time', async () => {
    const [a, b] = await open(2);
    const trials = 60;
    for (let trial = 0; trial < trials; trial++) {
      const insert = pendingInsert();
      expect((await a!.insertRequest(insert)).kind).toBe('created');
      const results = await Promise.all([a!.transition(decision(insert.record, 'alice')), b!.transition(decision(insert.record, 'bob'))]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results[0] ? 'alice' : 'bob';
      const stored = await b!.getRequest(insert.record.requestId, EVERYTHING);
      expect(stored?.record.decision?.decidedBy).toMatchObject({ id: winner });
      expect((await a!.timeline(insert.record.requestId)).map((e) => e.type)).toEqual(['requested', 'decided']);
    }
    expect((await a!.undelivered('agent-a', 1000)).items).toHaveLength(trials);
    expect(await b!.verifyAudit({})).toMatchObject({ ok: true, checked: trials * 2, statesChecked: trials });
  });

  it('three nodes inserting, deciding, delivering and appending at full speed keep one gap-free chain that verifies', async () => {
    const nodes = await open(3);
    const perNode = 40;
    await Promise.all(
      nodes.map(async (node, n) => {
        const work: Promise<unknown>[] = [];
        for (let i = 0; i < perNode; i++) {
          work.push(
            (async () => {
              const insert = pendingInsert({ principalId: `agent-${n}`, queue: `queue-${i % 3}` });
              await node.insertRequest(insert);
              // Decided on another node, delivered on a third.
              await nodes[(n + 1) % 3]!.transition(decision(insert.record, `reviewer-${n}`));
              await nodes[(n + 2) % 3]!.markDelivered(insert.record.requestId, `agent-${n}`, auditEvent('delivered', insert.record.requestId, null, { kind: 'agent', id: `agent-${n}`, name: `agent-${n}` }, {}), new Date().toISOString());
            })(),
          );
          if (i % 4 === 0) work.push(node.appendAudit([auditEvent('input_rejected', null, null, { kind: 'hub' }, { channel: 'test', code: 'invalid_payload', message: `node ${n}` })], new Date().toISOString()));
        }
        await Promise.all(work);
      }),
    );
    const rows = await allAudit(nodes[0]!);
    const expected = 3 * perNode * 3 + 3 * (perNode / 4);
    expect(rows).toHaveLength(expected);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    const head = await nodes[1]!.auditHead();
    expect(head.seq).toBe(expected);
    const verified = await nodes[2]!.verifyAudit({ expectedHead: { seq: head.seq, hash: head.hash } });
    expect(verified).toMatchObject({ ok: true, checked: expected, statesChecked: 3 * perNode });
    expect((await allRequests(nodes[0]!)).every((r) => r.status === 'approved')).toBe(true);
  });

  it('quotas hold when two nodes insert for one agent and one queue at once', async () => {
    const [a, b] = await open(2);
    const agentQuota = { maxPendingPerAgent: 5, maxPendingPerQueue: 1000 };
    const byAgent = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a! : b!).insertRequest(pendingInsert({ principalId: 'busy-agent', quota: agentQuota }))));
    expect(byAgent.filter((o) => o.kind === 'created')).toHaveLength(5);
    expect(byAgent.filter((o) => o.kind === 'quota_exceeded').every((o) => o.kind === 'quota_exceeded' && o.scope === 'agent')).toBe(true);

    const queueQuota = { maxPendingPerAgent: 1000, maxPendingPerQueue: 7 };
    const byQueue = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a! : b!).insertRequest(pendingInsert({ principalId: `agent-${i}`, queue: 'narrow', quota: queueQuota }))));
    expect(byQueue.filter((o) => o.kind === 'created')).toHaveLength(7);
    const pending = await a!.listRequests({ limit: 1000, maxBytes: 1 << 24, queue: 'narrow', status: ['pending'] }, EVERYTHING);
    expect(pending.items).toHaveLength(7);
    expect(await b!.verifyAudit({})).toMatchObject({ ok: true, checked: 12 });
  });

  it('one requestId sent to two nodes at once is created once; the other gets it as existing', async () => {
    const [a, b] = await open(2);
    for (let trial = 0; trial < 20; trial++) {
      const insert = pendingInsert();
      const outcomes = await Promise.all([a!.insertRequest(insert), b!.insertRequest(insert), a!.insertRequest(insert), b!.insertRequest(insert)]);
      expect(outcomes.filter((o) => o.kind === 'created')).toHaveLength(1);
      expect(outcomes.filter((o) => o.kind === 'existing')).toHaveLength(3);
    }
    expect(await a!.verifyAudit({})).toMatchObject({ ok: true, checked: 20 });
  });

  it('announces each committed batch on the approval_hub channel, once, with no arguments', async () => {
    const [store] = await open(1);
    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    const notices: ChangeNotice[] = [];
    listener.on('notification', (message) => notices.push(JSON.parse(message.payload!) as ChangeNotice));
    await listener.query(`LISTEN ${CHANGE_CHANNEL}`);
    try {
      const insert = pendingInsert({ queue: 'ops' });
      await store!.insertRequest(insert);
      await store!.transition(decision(insert.record, 'alice'));
      // An acknowledgement concerns no other node: nothing announced.
      await store!.markDelivered(insert.record.requestId, 'agent-a', auditEvent('delivered', insert.record.requestId, null, { kind: 'agent', id: 'agent-a', name: 'agent-a' }, {}), new Date().toISOString());
      // Writes that change nothing announce nothing.
      expect(await store!.transition(decision(insert.record, 'bob'))).toBe(false);
      // Writes made together commit as one batch, with one notice for all of them.
      const together = [pendingInsert({ queue: 'ops' }), pendingInsert({ queue: 'ops' }), pendingInsert({ queue: 'ops' })];
      await Promise.all(together.map((i) => store!.insertRequest(i)));
      await new Promise((r) => setTimeout(r, 200));
      const node = expect.any(String);
      const requested = (i: typeof insert) => [i.record.requestId, Date.parse(i.record.expiresAt), 'ops', null];
      expect(notices).toEqual([
        { node, requested: [requested(insert)] },
        { node, resolved: [[insert.record.requestId, 'agent-a', 'ops']] },
        { node, requested: expect.arrayContaining(together.map(requested)) },
      ]);
      expect(notices[2]!.requested).toHaveLength(3);
      expect(new Set(notices.map((n) => n.node)).size).toBe(1);
    } finally {
      await listener.end();
    }
  });

  it('grant cache: a grant revoked on node B is refused at once by node A, whose cache still lists it; A then reads it gone', async () => {
    const [a, b] = await open(2);
    const source = pendingInsert({ queue: 'ops' });
    expect((await a!.insertRequest(source)).kind).toBe('created');
    const at = new Date(Date.parse(source.record.createdAt) + 1000).toISOString();
    const now = Date.parse(at);
    const grant: Grant = {
      grantId: `grant-${source.record.requestId}`,
      effect: 'allow',
      queue: 'ops',
      match: { agent: 'agent-a', toolName: 'delete_pod', onBehalfOf: null, args: {} },
      grantedBy: { id: 'alice', name: 'Alice' },
      fromRequestId: source.record.requestId,
      createdAt: at,
      expiresAt: new Date(now + 3_600_000).toISOString(),
      uses: 0,
      status: 'active',
    };
    expect(await a!.transition({ ...decision(source.record, 'alice'), grant })).toBe(true);
    // A hears B's notices (its grant cache is only used while it does): wait until a probe from B reaches it.
    const heard: StoreChange[] = [];
    const stop = a!.watch!((change) => heard.push(change));
    try {
      await expect.poll(async () => {
        await b!.insertRequest(pendingInsert({ queue: 'probe' }));
        return heard.length;
      }, { timeout: 5000 }).toBeGreaterThan(0);
      expect((await a!.liveGrants('ops', now)).map((g) => g.grantId)).toEqual([grant.grantId]);

      // Revoke on B and, in the same instant, use the grant on A: A's copy may still list it, its insert must refuse.
      const revoked = await b!.revokeGrant({ grantId: grant.grantId, queues: null, by: { id: 'bob', name: 'Bob' }, at, now, audit: [] });
      expect(revoked?.revoked).toBe(true);
      const use = pendingInsert({ queue: 'ops' });
      const decided: InsertRequest = {
        ...use,
        record: { ...use.record, status: 'approved', decision: { approved: true, args: use.record.args, modified: false, decidedBy: { kind: 'grant', grantId: grant.grantId, grantedBy: grant.grantedBy }, decidedAt: at } },
        deliver: true,
        grantUse: { grantId: grant.grantId, now },
      };
      expect(await a!.insertRequest(decided)).toEqual({ kind: 'grant_unavailable' });
      expect(await a!.getRequest(use.record.requestId, EVERYTHING)).toBeNull();
      // B's notice drops the grant from A's copy.
      await expect.poll(() => a!.liveGrants('ops', now), { timeout: 5000 }).toEqual([]);
    } finally {
      stop();
    }
    expect(await a!.verifyAudit({})).toMatchObject({ ok: true });
  });

  it('watch: a node hears the other nodes’ committed changes (never its own), and a lost listening connection comes back with a resync', async () => {
    const [a, b] = await open(2);
    const heardByA: StoreChange[] = [];
    const heardByB: StoreChange[] = [];
    const stopA = a!.watch!((change) => heardByA.push(change));
    const stopB = b!.watch!((change) => heardByB.push(change));
    try {
      // The listeners connect in the background; wait until B hears a probe write from A.
      await expect.poll(async () => {
        await a!.insertRequest(pendingInsert());
        return heardByB.length;
      }, { timeout: 5000 }).toBeGreaterThan(0);
      heardByB.length = 0;
      const insert = pendingInsert({ queue: 'ops' });
      await a!.insertRequest(insert);
      await a!.transition(decision(insert.record, 'alice'));
      // Each change carries the record as read when it was heard (the request may be decided by then), and a
      // resolved change's record is the decided one: B's reviewers and agents need no read of their own.
      await expect.poll(() => heardByB.filter((c) => c.kind !== 'requested' || c.requestId === insert.record.requestId)).toEqual([
        {
          kind: 'requested',
          requestId: insert.record.requestId,
          expiresAt: Date.parse(insert.record.expiresAt),
          queue: 'ops',
          escalateAt: null,
          record: expect.objectContaining({ requestId: insert.record.requestId }),
        },
        { kind: 'resolved', requestId: insert.record.requestId, principalId: 'agent-a', queue: 'ops', record: expect.objectContaining({ requestId: insert.record.requestId, status: 'approved' }) },
      ]);
      const resolvedRecord = heardByB.find((c) => c.kind === 'resolved')?.record;
      expect(resolvedRecord).toEqual((await b!.getRequest(insert.record.requestId, EVERYTHING))?.record);
      expect(heardByA).toEqual([]);

      // PostgreSQL ends B's listening session (as a failover or a network cut would): B listens again and resyncs.
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      try {
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'approval-hub-listener' AND datname = current_database()`);
      } finally {
        await admin.end();
      }
      await expect.poll(() => heardByA.some((c) => c.kind === 'resync') && heardByB.some((c) => c.kind === 'resync'), { timeout: 10_000 }).toBe(true);
      heardByB.length = 0;
      const after = pendingInsert();
      await a!.insertRequest(after);
      await expect.poll(() => heardByB.some((c) => c.kind === 'requested' && c.requestId === after.record.requestId), { timeout: 5000 }).toBe(true);
    } finally {
      stopA();
      stopB();
    }
  });
  it('watch: another node’s records are read only for the changes a watcher wants; the others are told without one', async () => {
    const [a, b] = await open(2);
    const heard: StoreChange[] = [];
    const wanted: string[] = [];
    // B wants the queue 'ops' (a reviewer there) and the decisions of agent-b (its socket there); nothing else.
    const stop = b!.watch!(
      (change) => heard.push(change),
      (change) => {
        const wants = change.queue === 'ops' || (change.kind === 'resolved' && change.principalId === 'agent-b');
        if (wants) wanted.push(change.requestId);
        return wants;
      },
    );
    try {
      await expect.poll(async () => {
        await a!.insertRequest(pendingInsert());
        return heard.length;
      }, { timeout: 5000 }).toBeGreaterThan(0);
      heard.length = 0;
      const elsewhere = pendingInsert({ queue: 'billing' });
      const ops = pendingInsert({ queue: 'ops' });
      const agentB = pendingInsert({ queue: 'billing', principalId: 'agent-b' });
      for (const insert of [elsewhere, ops, agentB]) await a!.insertRequest(insert);
      for (const insert of [elsewhere, ops, agentB]) await a!.transition(decision(insert.record, 'alice'));
      await expect.poll(() => heard.filter((c) => c.kind === 'resolved').length).toBe(3);
      const told = (kind: string, requestId: string) => heard.find((c) => c.kind === kind && 'requestId' in c && c.requestId === requestId) as Extract<StoreChange, { kind: 'requested' | 'resolved' }>;
      // Every change is told, with its queue and times, so timers hear every deadline; records only where wanted.
      expect(told('requested', elsewhere.record.requestId)).toEqual({ kind: 'requested', requestId: elsewhere.record.requestId, expiresAt: Date.parse(elsewhere.record.expiresAt), queue: 'billing', escalateAt: null });
      expect(told('resolved', elsewhere.record.requestId)).toEqual({ kind: 'resolved', requestId: elsewhere.record.requestId, principalId: 'agent-a', queue: 'billing' });
      expect(told('requested', agentB.record.requestId).record).toBeUndefined();
      expect(told('requested', ops.record.requestId).record).toMatchObject({ requestId: ops.record.requestId, status: 'pending' });
      expect(told('resolved', ops.record.requestId).record).toMatchObject({ requestId: ops.record.requestId, status: 'approved' });
      expect(told('resolved', agentB.record.requestId).record).toMatchObject({ requestId: agentB.record.requestId, status: 'approved' });
      expect(new Set(wanted)).toEqual(new Set([ops.record.requestId, agentB.record.requestId]));
    } finally {
      stop();
    }
  });
});
