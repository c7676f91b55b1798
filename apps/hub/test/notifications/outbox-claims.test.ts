import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ApprovalRecord } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxEntry } from '../../src/store/outbox-store.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { ApprovalStore } from '../../src/store/store.js';
import { freshDatabase } from '../support/postgres.js';
import { onPostgres } from '../support/test-hub.js';

/** Two handles on one database: two nodes on PostgreSQL; on SQLite (one process per file) the same store twice. */
async function openNodes(): Promise<{ a: ApprovalStore; b: ApprovalStore; close: () => Promise<void> }> {
  if (onPostgres) {
    const database = await freshDatabase();
    const a = await openPostgresStore({ url: database.url });
    const b = await openPostgresStore({ url: database.url });
    return {
      a,
      b,
      close: async () => {
        await a.close();
        await b.close();
        await database.drop();
      },
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'outbox-'));
  const store = await openSqliteStore({ path: path.join(dir, 'hub.db'), durability: 'normal' });
  return {
    a: store,
    b: store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const T0 = Date.UTC(2026, 10, 24, 12);
let n = 0;
function pendingRecord(): ApprovalRecord {
  n++;
  return { requestId: `outbox-${n}-${T0}`, status: 'pending', toolName: 'deploy', args: { n }, agent: { id: 'agent', name: 'agent' }, agentName: 'agent', runId: 'run', queue: 'default', createdAt: new Date(T0).toISOString(), expiresAt: new Date(T0 + 60_000).toISOString() };
}
const entry = (requestId: string, i: number, dueAt = T0): OutboxEntry => ({ id: `msg_${requestId}_${i}`, channel: 'hook', kind: 'webhook', event: 'approval.requested', requestId, target: null, payload: '{}', dueAt, onlyIfPending: false, createdAt: T0 });

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('the notification outbox in the store', () => {
  it('commits rows with the request, and never with a refused insert', async () => {
    const nodes = await openNodes();
    close = nodes.close;
    const record = pendingRecord();
    const insert = (outbox: OutboxEntry[]) => nodes.a.insertRequest({ record, principalId: 'agent', requestHash: 'h', deliver: false, quota: null, audit: [], outbox });
    expect((await insert([entry(record.requestId, 1)])).kind).toBe('created');
    // The same requestId again ("existing"): its rows are not written.
    expect((await insert([entry(record.requestId, 2)])).kind).toBe('existing');
    expect((await nodes.a.outboxOf(record.requestId, 'hook')).map((r) => r.id)).toEqual([`msg_${record.requestId}_1`]);
  });

  it('hands each due row to one claimer at a time, across nodes, and keeps stale claims from settling', async () => {
    const nodes = await openNodes();
    close = nodes.close;
    const record = pendingRecord();
    const rows = Array.from({ length: 40 }, (_, i) => entry(record.requestId, i));
    rows.push(entry(record.requestId, 99, T0 + 10_000));
    await nodes.a.insertRequest({ record, principalId: 'agent', requestHash: 'h', deliver: false, quota: null, audit: [], outbox: rows });
    const claims = await Promise.all([nodes.a, nodes.b, nodes.a, nodes.b].map((store) => store.claimOutbox({ now: T0, limit: 15, leaseMs: 1000 })));
    const ids = claims.flat().map((r) => r.id);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
    expect(ids).not.toContain(`msg_${record.requestId}_99`);
    // Leased: nothing more until the lease runs out; then the unsettled rows come back with their attempt counted.
    expect(await nodes.b.claimOutbox({ now: T0 + 500, limit: 100, leaseMs: 1000 })).toHaveLength(0);
    const first = claims.flat()[0]!;
    expect(await nodes.a.settleOutbox({ id: first.id, attempt: first.attempts, at: T0, outcome: 'delivered' })).toBe(true);
    const again = await nodes.b.claimOutbox({ now: T0 + 1000, limit: 100, leaseMs: 1000 });
    expect(again).toHaveLength(39);
    expect(again.every((r) => r.attempts === 2)).toBe(true);
    const stale = claims.flat()[1]!;
    expect(await nodes.a.settleOutbox({ id: stale.id, attempt: stale.attempts, at: T0, outcome: 'dead' })).toBe(false);
    expect(await nodes.a.outboxCounts()).toEqual({ pending: 40, delivered: 1, dead: 0, skipped: 0 });
    const page = await nodes.b.listOutbox({ limit: 30 });
    expect(page.items).toHaveLength(30);
    expect((await nodes.b.listOutbox({ limit: 30, before: page.next! })).items).toHaveLength(11);
    expect((await nodes.b.listOutbox({ limit: 50, status: 'delivered' })).items.map((r) => r.id)).toEqual([first.id]);
  });
});
