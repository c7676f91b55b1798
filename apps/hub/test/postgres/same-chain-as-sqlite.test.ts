import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditEvent } from '../../src/audit/audit-events.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { ApprovalStore } from '../../src/store/store.js';
import { allAudit } from '../support/test-hub.js';
import { freshDatabase, type TestDatabase } from '../support/postgres.js';
import { decision, pendingInsert } from './store-records.js';

type Write = (store: ApprovalStore) => Promise<unknown>;

/** One history of writes, made once, to hand to several stores in the same order (as one engine would). */
function history(): Write[] {
  const [a, b, c] = [pendingInsert({ queue: 'ops' }), pendingInsert({ principalId: 'agent-b' }), pendingInsert({ queue: 'ops' })];
  // Text that would end or break a quoted constant if PostgreSQL were sent it unescaped (write-batch.ts quotes it).
  const hostile = pendingInsert({ args: { q: "'; DROP TABLE audit; --", tags: '$$ $a$ $h$ $h0$ $fn$ \\ \\" \u0000 \u001f', nested: { quote: '"\'' } } });
  const delivered = auditEvent('delivered', a!.record.requestId, null, { kind: 'agent', id: 'agent-a', name: 'agent-a' }, {});
  return [
    (s) => s.insertRequest(a!),
    (s) => s.insertRequest(b!),
    (s) => s.insertRequest(c!),
    (s) => s.insertRequest(hostile),
    (s) => s.transition(decision(a!.record, 'alice')),
    (s) => s.markDelivered(a!.record.requestId, 'agent-a', delivered, '2026-11-22T12:00:02.000Z'),
    (s) => s.transition({ ...decision(b!.record, 'bob'), deliverTo: null }),
    // A lone surrogate: both keep UTF-8, and the chain hashes what is kept.
    (s) => s.appendAudit([auditEvent('input_rejected', null, 'q\uD800', { kind: 'hub' }, { channel: 'test', code: 'invalid_payload', message: 'bad \uD800' })], '2026-11-22T12:00:03.000Z'),
  ];
}

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describe('PostgreSQL keeps the same chain as SQLite, and tampering shows the same way', () => {
  let database: TestDatabase;
  let dir: string;
  let sqlite: ApprovalStore;
  let postgres: ApprovalStore;
  beforeEach(async () => {
    database = await freshDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-same-chain-'));
    sqlite = await openSqliteStore({ path: path.join(dir, 'hub.db'), durability: 'normal' });
    postgres = await openPostgresStore({ url: database.url });
    for (const write of history()) {
      await write(sqlite);
      await write(postgres);
    }
  });
  afterEach(async () => {
    await Promise.all([sqlite.close(), postgres.close()]);
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the same writes give the same audit rows, hashes, state hashes, head and verification', async () => {
    const rows = await allAudit(sqlite);
    expect(rows).toHaveLength(8);
    expect(await allAudit(postgres)).toEqual(rows);
    expect(await postgres.auditHead()).toEqual(await sqlite.auditHead());
    const head = await sqlite.auditHead();
    const verified = await sqlite.verifyAudit({ expectedHead: { seq: head.seq, hash: head.hash } });
    expect(verified).toMatchObject({ ok: true, checked: 8, statesChecked: 4 });
    expect(await postgres.verifyAudit({ expectedHead: { seq: head.seq, hash: head.hash } })).toEqual(verified);
  });

  it('a flipped decision, a re-queued delivery and a changed audit row are each found', async () => {
    const first = (await allAudit(postgres))[0]!.requestId;
    await sql(database.url, `UPDATE approvals SET status = 'denied' WHERE request_id = '${first}'`);
    expect(await postgres.verifyAudit({})).toMatchObject({ ok: false, badState: { requestId: first } });
    await sql(database.url, `UPDATE approvals SET status = 'approved' WHERE request_id = '${first}'`);
    expect(await postgres.verifyAudit({})).toMatchObject({ ok: true });

    await sql(database.url, `INSERT INTO deliveries (request_id, principal_id, created_at) VALUES ('${first}', 'agent-a', 0)`);
    expect(await postgres.verifyAudit({})).toMatchObject({ ok: false, badState: { requestId: first } });
    await sql(database.url, `DELETE FROM deliveries WHERE request_id = '${first}'`);

    await sql(database.url, `UPDATE audit SET data = '{"toolName":"rm"}' WHERE seq = 2`);
    expect(await postgres.verifyAudit({})).toMatchObject({ ok: false, firstBad: { seq: 2, reason: expect.stringMatching(/content does not match/) } });
  });
});
