import type { AuditHead, AuditVerifyResult } from '@approval-hub/protocol';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditHash } from '../../src/audit/audit-chain.js';
import { verifyDatabase } from '../../src/store/sqlite/verify-database.js';
import { runCli } from '../support/run-cli.js';
import { chaosSeed, seededRandom } from '../support/seeded-random.js';
import { api, emitAck, newRequest, startTestHub, TestClock, tokens, type TestHub } from '../support/test-hub.js';

/**
 * The audit log shows tampering: any single changed byte, a deleted, reordered or inserted row is named by
 * `approval-hub audit verify`; a rewrite that recomputes every later hash is caught against a head kept outside.
 * (audit-chain.test.ts covers one case of each through the CLI; this walks every row and column.)
 */

interface Row {
  seq: number;
  at: string;
  type: string;
  request_id: string | null;
  queue: string | null;
  actor: string;
  data: string;
  state_hash: string | null;
  prev_hash: string;
  hash: string;
}

let t: TestHub;
let db: Database.Database;
let rows: Row[];
const seed = chaosSeed();

/** What `approval-hub audit verify` computes, on a fresh read of the file. */
function verify(): AuditVerifyResult {
  const reader = new Database(t.dbPath, { readonly: true, fileMustExist: true });
  try {
    return verifyDatabase(reader);
  } finally {
    reader.close();
  }
}

function restore() {
  db.exec('DELETE FROM audit');
  const insert = db.prepare('INSERT INTO audit (seq, at, type, request_id, queue, actor, data, state_hash, prev_hash, hash) VALUES (@seq, @at, @type, @request_id, @queue, @actor, @data, @state_hash, @prev_hash, @hash)');
  for (const row of rows) insert.run(row);
}

beforeAll(async () => {
  const clock = new TestClock();
  t = await startTestHub({ approval: { policies: [{ rule: 'reads', match: { toolName: 'read_file' }, action: 'approve' }] } }, { clock });
  const agent = t.connectAgent();
  const reviewer = t.connectReviewer();
  agent.on('approval.response', (payload, ack) => ack({ ok: true, data: { requestId: payload.requestId } }));
  for (let i = 0; i < 6; i++) {
    const input = newRequest({ queue: i % 2 ? 'ops' : 'billing', timeoutMs: 10_000 + i });
    await emitAck(agent, 'approval.request', input);
    if (i % 3 === 0) await emitAck(reviewer, 'approval.response', { requestId: input.requestId, approved: true, reason: `ok ${i}` });
    if (i % 3 === 1) await emitAck(reviewer, 'approval.response', { requestId: input.requestId, approved: false, args: undefined, reason: 'no — «quoted» ünïcödé' });
  }
  await emitAck(agent, 'approval.request', newRequest({ toolName: 'read_file' }));
  await emitAck(agent, 'approval.request', { bad: 'payload' });
  clock.advance(20_000);
  await t.hub.engine.expireDue();
  await new Promise((r) => setTimeout(r, 100));
  await t.stop();
  db = new Database(t.dbPath);
  rows = db.prepare('SELECT * FROM audit ORDER BY seq').all() as Row[];
  expect(rows.length).toBeGreaterThanOrEqual(20);
  expect(new Set(rows.map((r) => r.type)).size).toBeGreaterThanOrEqual(6);
  expect(verify()).toMatchObject({ ok: true, checked: rows.length });
});

afterAll(async () => {
  db?.close();
  await t?.close();
});

describe('tampering with the audit log is detected and located', () => {
  it('a single changed byte in any column of any row is named, at that row', () => {
    const rng = seededRandom(seed);
    const columns = ['at', 'type', 'request_id', 'queue', 'actor', 'data', 'state_hash', 'prev_hash', 'hash'] as const;
    let checks = 0;
    for (const row of rows) {
      for (const column of columns) {
        const original = db.prepare(`SELECT CAST(${column} AS BLOB) AS b FROM audit WHERE seq = ?`).get(row.seq) as { b: Buffer | null };
        if (original.b === null || original.b.length === 0) continue;
        const changed = Buffer.from(original.b);
        const at = rng.int(0, changed.length - 1);
        changed[at] = changed[at]! ^ (1 << rng.int(0, 7));
        // Written back as raw bytes, exactly as an editor on the file would leave them (valid UTF-8 or not).
        db.prepare(`UPDATE audit SET ${column} = CAST(? AS TEXT) WHERE seq = ?`).run(changed, row.seq);
        const result = verify();
        expect(result, `byte ${at} of ${column} in row ${row.seq}`).toMatchObject({ ok: false, firstBad: { seq: row.seq } });
        db.prepare(`UPDATE audit SET ${column} = CAST(? AS TEXT) WHERE seq = ?`).run(original.b, row.seq);
        checks++;
      }
    }
    expect(verify().ok).toBe(true);
    expect(checks).toBeGreaterThan(rows.length * 6);
  });

  it('a changed seq, a deleted row, two swapped rows and an inserted row are each named', () => {
    for (const row of rows.slice(0, -1)) {
      db.prepare('DELETE FROM audit WHERE seq = ?').run(row.seq);
      expect(verify(), `row ${row.seq} deleted`).toMatchObject({ ok: false, firstBad: { seq: row.seq, reason: expect.stringContaining('missing') } });
      restore();

      db.prepare('UPDATE audit SET seq = ? WHERE seq = ?').run(10_000 + row.seq, row.seq);
      expect(verify(), `row ${row.seq} renumbered`).toMatchObject({ ok: false, firstBad: { seq: row.seq } });
      restore();

      // Swap the contents of this row and the next, keeping each seq where it was.
      const next = rows[rows.indexOf(row) + 1]!;
      db.prepare('UPDATE audit SET seq = -1 WHERE seq = ?').run(row.seq);
      db.prepare('UPDATE audit SET seq = ? WHERE seq = ?').run(row.seq, next.seq);
      db.prepare('UPDATE audit SET seq = ? WHERE seq = -1').run(next.seq);
      expect(verify(), `rows ${row.seq} and ${next.seq} swapped`).toMatchObject({ ok: false, firstBad: { seq: row.seq } });
      restore();
    }
    // A forged row slipped in after row 3, with the rest moved up one and its own links made to fit the row before.
    const forgedAt = 4;
    db.exec(`UPDATE audit SET seq = seq + 100000 WHERE seq >= ${forgedAt}; UPDATE audit SET seq = seq - 100000 + 1 WHERE seq >= 100000;`);
    const prev = rows[forgedAt - 2]!;
    const forged = { seq: forgedAt, at: prev.at, type: 'decided', requestId: prev.request_id, queue: prev.queue, actor: '{"kind":"reviewer","id":"mallory","name":"Mallory"}', data: '{"approved":true}', stateHash: null };
    db.prepare('INSERT INTO audit (seq, at, type, request_id, queue, actor, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      forged.seq, forged.at, forged.type, forged.requestId, forged.queue, forged.actor, forged.data, prev.hash, auditHash(prev.hash, forged),
    );
    expect(verify()).toMatchObject({ ok: false, firstBad: { seq: forgedAt + 1 } });
    restore();
    expect(verify().ok).toBe(true);
  });

  it('the CLI names the first bad row and exits 1', () => {
    db.prepare("UPDATE audit SET data = replace(data, 'ok 3', 'ok 4') WHERE seq = (SELECT MIN(seq) FROM audit WHERE data LIKE '%ok 3%')").run();
    const seq = (db.prepare("SELECT MIN(seq) AS s FROM audit WHERE data LIKE '%ok 4%'").get() as { s: number }).s;
    const out = runCli(['audit', 'verify', '--db', t.dbPath]);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: false, checked: seq - 1, firstBad: { seq, reason: expect.stringContaining('changed') } });
    restore();
    expect(runCli(['audit', 'verify', '--db', t.dbPath]).code).toBe(0);
  });

  it('a rewrite that recomputes every later hash passes the chain alone, and is caught against an exported head', () => {
    const head = JSON.parse(runCli(['audit', 'head', '--db', t.dbPath]).stdout) as AuditHead;
    expect(head).toMatchObject({ seq: rows.length, hash: rows.at(-1)!.hash });
    // Rewrite a decision in the middle (approve instead of deny) and re-chain everything after it.
    const victim = rows.find((r) => r.type === 'decided' && r.data.includes('"approved":false'))!;
    let prevHash = victim.prev_hash;
    const rewrite = db.prepare('UPDATE audit SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    for (const row of rows.filter((r) => r.seq >= victim.seq)) {
      const data = row.seq === victim.seq ? row.data.replace('"approved":false', '"approved":true') : row.data;
      const hash = auditHash(prevHash, { seq: row.seq, at: row.at, type: row.type, requestId: row.request_id, queue: row.queue, actor: row.actor, data, stateHash: row.state_hash });
      rewrite.run(data, prevHash, hash, row.seq);
      prevHash = hash;
    }
    expect(runCli(['audit', 'verify', '--db', t.dbPath]).code).toBe(0);
    const against = runCli(['audit', 'verify', '--db', t.dbPath, '--head', `${head.seq}:${head.hash}`]);
    expect(against.code).toBe(1);
    expect(JSON.parse(against.stdout)).toMatchObject({ ok: false, firstBad: { seq: head.seq } });
    restore();
  });
});

describe('the exported head', () => {
  it('stays valid while the log grows, matches the REST head, and survives any text the hub is sent', async () => {
    const earlier = JSON.parse(runCli(['audit', 'head', '--db', t.dbPath]).stdout) as AuditHead;
    db.close();
    t = await t.restart();
    const agent = t.connectAgent();
    await emitAck(agent, 'approval.request', newRequest());
    // Text SQLite cannot store as given (lone surrogates) must not break the chain: the hub hashes what it stores.
    await emitAck(agent, 'approval.request', { requestId: 'bad\uD800id', toolName: 'x\uDC00' });
    await emitAck(agent, 'approval.cancel', { requestId: 'ok-id', reason: 'lone \uD800 surrogate' });
    await t.store.appendAudit([{ type: 'input_rejected', requestId: 'direct\uD800', queue: null, actor: { kind: 'hub' }, data: { channel: 'test', code: 'invalid_payload', message: '\uDFFF' } }], new Date().toISOString());
    const rest = (await api(t, 'GET', '/api/audit/head', tokens.admin)).body as AuditHead;
    await t.stop();
    const cli = JSON.parse(runCli(['audit', 'head', '--db', t.dbPath]).stdout) as AuditHead;
    expect(cli).toEqual(rest);
    expect(cli.seq).toBeGreaterThan(earlier.seq);
    expect(runCli(['audit', 'verify', '--db', t.dbPath, '--head', `${earlier.seq}:${earlier.hash}`]).code).toBe(0);
    expect(runCli(['audit', 'verify', '--db', t.dbPath, '--head', `${cli.seq}:${cli.hash}`]).code).toBe(0);
    db = new Database(t.dbPath);
  });
});
