import { statSync } from 'node:fs';
import type { Database as Db, Statement } from 'better-sqlite3';
import { GENESIS_HASH, auditHash, stateHash } from '../../audit/audit-chain.js';
import { purgedEvent, type AuditEvent } from '../../audit/audit-events.js';
import type { Grant } from '@approval-hub/protocol';
import type { OutboxClaim, OutboxRow, OutboxSettle } from '../outbox-store.js';
import type { InsertOutcome, InsertRequest, PendingUpdate, PurgeDecided, PurgedSpent, PurgeSpent, RevokeGrant, Transition } from '../store.js';
import { auditRowContent } from '../audit-row.js';
import { StoreIntegrityError } from '../store.js';
import { toGrant, type GrantRow } from '../stored-grants.js';
import { stateValues, type ApprovalRow } from './rows.js';
import { SqliteSteps } from '../sql/run-sqlite.js';
import type { Op, WriteResult as OpResult } from '../sql/tx.js';
import { transition } from '../sql/operations/transition.js';
import { updatePending } from '../sql/operations/update-pending.js';
import { insertRequest } from '../sql/operations/insert-request.js';
import { claimOutbox, redeliverOutbox, settleOutbox } from '../sql/operations/outbox.js';

/** One write, as the main thread posts it to the writer thread. */
export type WriteOp =
  | { op: 'insert'; input: InsertRequest }
  | { op: 'transition'; input: Transition }
  | { op: 'delivered'; requestId: string; principalId: string; audit: AuditEvent; at: string }
  | { op: 'audit'; events: AuditEvent[]; at: string }
  | { op: 'purge'; input: PurgeDecided }
  | { op: 'purgeSpent'; input: PurgeSpent }
  | { op: 'update'; input: PendingUpdate }
  | { op: 'revoke'; input: RevokeGrant }
  | { op: 'outboxClaim'; input: OutboxClaim }
  | { op: 'outboxSettle'; input: OutboxSettle }
  | { op: 'outboxRedeliver'; id: string; now: number }
  | { op: 'probe' };

/** An insert that was created, as the writer thread answers it: without the record, which the caller already holds. */
export type CreatedAnswer = { kind: 'created' };
const CREATED: CreatedAnswer = { kind: 'created' };

export type WriteResult = InsertOutcome | CreatedAnswer | boolean | string[] | { grant: Grant; revoked: boolean } | OutboxRow[] | OutboxRow | PurgedSpent | null;

/** Test-only crash points reached inside a write transaction, before COMMIT. */
export type InTransactionCrashPoint = 'request.before-commit' | 'deadline.before-commit';

export interface SqliteWriterOptions {
  path: string;
  crash?: ((point: InTransactionCrashPoint) => void) | undefined;
}

interface Head {
  seq: number;
  hash: string;
}

/**
 * The only code that writes the database. It runs on the writer thread, groups the writes that arrive together
 * into one transaction (a savepoint each when there are several) and chains audit rows from the head it reads
 * inside that transaction, so the chain can never fork, whoever else holds the file.
 */
export class SqliteWriter {
  readonly #db: Db;
  readonly #stmt: ReturnType<typeof prepare>;
  readonly #steps: SqliteSteps;
  readonly #path: string;
  readonly #crash: (point: InTransactionCrashPoint) => void;
  readonly #identity: { dev: number; ino: number } | null;
  /** The last head this writer committed; the database must never go back behind it. */
  #committed: Head | null = null;
  #head: Head = { seq: 0, hash: GENESIS_HASH };

  constructor(db: Db, options: SqliteWriterOptions) {
    this.#db = db;
    this.#path = options.path;
    this.#crash = options.crash ?? (() => {});
    this.#stmt = prepare(db);
    this.#steps = new SqliteSteps(db);
    this.#identity = options.path === ':memory:' ? null : fileIdentity(options.path);
    this.#committed = this.#readHead();
  }

  /** Runs a batch in one transaction; each write gets its own result or error. */
  runBatch(batch: readonly WriteOp[]): ({ ok: true; value: WriteResult } | { ok: false; error: unknown })[] {
    this.#checkIdentity();
    const isolate = batch.length > 1;
    const results: ({ ok: true; value: WriteResult } | { ok: false; error: unknown })[] = [];
    try {
      this.#stmt.begin.run();
      this.#head = this.#readHead();
      this.#checkHead();
      for (const op of batch) {
        const headBefore = this.#head;
        if (isolate) this.#stmt.savepoint.run();
        try {
          const value = this.#run(op);
          if (isolate) this.#stmt.release.run();
          results.push({ ok: true, value });
        } catch (error) {
          this.#head = headBefore;
          // Some errors (disk full, I/O) make SQLite roll back the whole transaction: then nothing commits.
          if (!isolate || !this.#db.inTransaction) throw error;
          this.#stmt.rollbackTo.run();
          this.#stmt.release.run();
          results.push({ ok: false, error });
        }
      }
      this.#stmt.commit.run();
      this.#committed = this.#head;
    } catch (error) {
      if (this.#db.inTransaction) {
        try {
          this.#stmt.rollback.run();
        } catch {
          // The transaction is already gone; nothing to undo.
        }
      }
      return batch.map(() => ({ ok: false, error }));
    }
    return results;
  }

  #run(op: WriteOp): WriteResult {
    switch (op.op) {
      case 'insert': {
        const outcome = this.#apply(insertRequest(op.input));
        if (outcome.kind !== 'created') return outcome;
        this.#crash('request.before-commit');
        // The caller holds the record it asked to insert: it is not copied back across the thread (sqlite-store.ts).
        return CREATED;
      }
      case 'transition': {
        const done = this.#apply(transition(op.input));
        if (done && op.input.record.status === 'expired') this.#crash('deadline.before-commit');
        return done;
      }
      case 'delivered':
        return this.#delivered(op.requestId, op.principalId, op.audit, op.at);
      case 'audit':
        for (const event of op.events) this.#append(event, op.at, null);
        return null;
      case 'purge':
        return this.#purge(op.input);
      case 'purgeSpent':
        return {
          outbox: this.#stmt.purgeSpentOutbox.run({ before: op.input.before, limit: op.input.limit }).changes,
          linkUses: this.#stmt.purgeSpentLinks.run({ before: op.input.before, limit: op.input.limit }).changes,
        };
      case 'update':
        return this.#apply(updatePending(op.input));
      case 'revoke':
        return this.#revoke(op.input);
      case 'outboxClaim':
        return this.#steps.drive(claimOutbox(op.input));
      case 'outboxSettle':
        return this.#steps.drive(settleOutbox(op.input));
      case 'outboxRedeliver':
        return this.#steps.drive(redeliverOutbox(op.id, op.now));
      case 'probe':
        this.#stmt.probe.run(Date.now());
        return null;
    }
  }

  /** Runs one operation (sql/operations) and chains the audit rows it leaves, in write order. */
  #apply<T>(op: Op<OpResult<T>>): T {
    const result = this.#steps.drive(op);
    for (const { event, at, state } of result.audit ?? []) this.#append(event, at, state);
    return result.value;
  }

  #revoke(input: RevokeGrant): { grant: Grant; revoked: boolean } | null {
    const row = this.#stmt.grantById.get(input.grantId) as GrantRow | undefined;
    if (!row || (input.queues !== null && !input.queues.includes(row.queue))) return null;
    const { changes } = this.#stmt.revokeGrant.run({ grantId: input.grantId, at: Date.parse(input.at), by: JSON.stringify(input.by) });
    const after = this.#stmt.grantById.get(input.grantId) as GrantRow;
    if (changes === 0) return { grant: toGrant(after, input.now), revoked: false };
    for (const event of input.audit) this.#append(event, input.at, null);
    return { grant: toGrant(after, input.now), revoked: true };
  }

  #delivered(requestId: string, principalId: string, audit: AuditEvent, at: string): boolean {
    const { changes } = this.#stmt.deleteDelivery.run(requestId, principalId);
    if (changes === 0) return false;
    // One delivery per request (its primary key): none is left after this one.
    const row = this.#stmt.byRequestId.get(requestId) as ApprovalRow;
    this.#append(audit, at, stateHash(stateValues(row), false));
    return true;
  }

  #purge(input: PurgeDecided): string[] {
    const cutoffIso = new Date(input.resolvedBefore).toISOString();
    const rows = this.#stmt.purgeCandidates.all({ cutoffMs: input.resolvedBefore, cutoffIso, limit: input.limit }) as { request_id: string }[];
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.request_id);
    for (const id of ids) {
      this.#stmt.purgeDelivery.run(id);
      this.#stmt.purgeApproval.run(id);
    }
    this.#append(purgedEvent(ids, input.resolvedBefore), input.at, null);
    return ids;
  }

  #append(event: AuditEvent, at: string, state: string | null): void {
    const seq = this.#head.seq + 1;
    const row = { seq, ...auditRowContent(event, at, state) };
    const hash = auditHash(this.#head.hash, row);
    this.#stmt.insertAudit.run({ ...row, prevHash: this.#head.hash, hash });
    this.#head = { seq, hash };
  }

  #readHead(): Head {
    const last = this.#stmt.lastAudit.get() as Head | undefined;
    return last ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** The chain may grow, never shrink or change under us: that would mean the database was replaced or cut. */
  #checkHead(): void {
    const committed = this.#committed;
    if (!committed || committed.seq === 0) return;
    if (this.#head.seq === committed.seq && this.#head.hash === committed.hash) return;
    const kept = this.#stmt.auditAt.get(committed.seq) as { hash: string } | undefined;
    if (!kept || kept.hash !== committed.hash) {
      throw new StoreIntegrityError(
        `The audit chain in ${this.#path} no longer holds row ${committed.seq} that this hub wrote: the database was replaced, restored or cut. Writes are refused.`,
      );
    }
  }

  /** Before every grouped commit (a stat: microseconds), so no write is acknowledged into a deleted file. */
  #checkIdentity(): void {
    if (!this.#identity) return;
    const current = fileIdentity(this.#path);
    if (!current) throw new StoreIntegrityError(`The database file ${this.#path} was deleted under the running hub. Writes are refused; restore it or restart the hub.`);
    if (current.dev !== this.#identity.dev || current.ino !== this.#identity.ino) {
      throw new StoreIntegrityError(`The database file ${this.#path} was replaced under the running hub. Writes are refused; restart the hub.`);
    }
  }
}

export function fileIdentity(path: string): { dev: number; ino: number } | null {
  try {
    const stat = statSync(path);
    return { dev: stat.dev, ino: stat.ino };
  } catch {
    return null;
  }
}

function prepare(db: Db) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    begin: p('BEGIN IMMEDIATE'),
    commit: p('COMMIT'),
    rollback: p('ROLLBACK'),
    savepoint: p('SAVEPOINT write'),
    release: p('RELEASE write'),
    rollbackTo: p('ROLLBACK TO write'),
    byRequestId: p('SELECT * FROM approvals WHERE request_id = ?'),
    hasDelivery: p('SELECT 1 FROM deliveries WHERE request_id = ?'),
    grantById: p('SELECT * FROM grants WHERE grant_id = ?'),
    revokeGrant: p('UPDATE grants SET revoked_at = @at, revoked_by = @by WHERE grant_id = @grantId AND revoked_at IS NULL'),
    deleteDelivery: p('DELETE FROM deliveries WHERE request_id = ? AND principal_id = ?'),
    insertAudit: p(`INSERT INTO audit (seq, at, type, request_id, queue, actor, data, state_hash, prev_hash, hash)
      VALUES (@seq, @at, @type, @requestId, @queue, @actor, @data, @stateHash, @prevHash, @hash)`),
    lastAudit: p('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1'),
    auditAt: p('SELECT hash FROM audit WHERE seq = ?'),
    // Decision times are ISO strings from one clock (toIso), so they compare as text; a request without a decision
    // (cancelled) counts as resolved at its deadline.
    purgeCandidates: p(`SELECT request_id FROM approvals WHERE status != 'pending'
      AND CASE WHEN decision IS NULL THEN expires_at < @cutoffMs ELSE json_extract(decision, '$.decidedAt') < @cutoffIso END
      ORDER BY seq LIMIT @limit`),
    purgeDelivery: p('DELETE FROM deliveries WHERE request_id = ?'),
    purgeApproval: p('DELETE FROM approvals WHERE request_id = ?'),
    // Settled rows of requests no longer stored, in no particular order (no sort: the LIMIT stops the index range
    // scan on (status, due_at) early). Link uses have no time index; the table holds only the retention window.
    purgeSpentOutbox: p(`DELETE FROM outbox WHERE seq IN (
      SELECT seq FROM outbox o WHERE o.status IN ('delivered','dead','skipped') AND o.due_at < @before AND COALESCE(o.last_attempt_at, 0) < @before
        AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.request_id = o.request_id)
      LIMIT @limit)`),
    purgeSpentLinks: p(`DELETE FROM decision_link_uses WHERE link_id IN (
      SELECT link_id FROM decision_link_uses u WHERE u.used_at < @before AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.request_id = u.request_id)
      LIMIT @limit)`),
    probe: p(`INSERT INTO meta (key, value) VALUES ('write_probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
  };
}
