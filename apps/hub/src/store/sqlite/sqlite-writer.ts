import { statSync } from 'node:fs';
import type { Database as Db, Statement } from 'better-sqlite3';
import { GENESIS_HASH, auditHash } from '../../audit/audit-chain.js';
import type { AuditEvent } from '../../audit/audit-events.js';
import type { Grant } from '@approval-hub/protocol';
import type { OutboxClaim, OutboxRow, OutboxSettle } from '../outbox-store.js';
import type { InsertOutcome, InsertRequest, PendingUpdate, PurgeDecided, PurgedSpent, PurgeSpent, RevokeGrant } from '../store.js';
import { auditRowContent } from '../audit-row.js';
import { StoreIntegrityError } from '../store.js';
import { SqliteSteps } from '../sql/run-sqlite.js';
import type { Op, WriteResult as OpResult } from '../sql/tx.js';
import { transition, type TransitionInput } from '../sql/operations/transition.js';
import { updatePending } from '../sql/operations/update-pending.js';
import { insertRequest } from '../sql/operations/insert-request.js';
import { markDelivered } from '../sql/operations/mark-delivered.js';
import { purgeDecided, purgeSpent } from '../sql/operations/purge.js';
import { revokeGrant } from '../sql/operations/revoke-grant.js';
import { claimOutbox, redeliverOutbox, settleOutbox } from '../sql/operations/outbox.js';

/** One write, as the main thread posts it to the writer thread. */
export type WriteOp =
  | { op: 'insert'; input: InsertRequest }
  | { op: 'transition'; input: TransitionInput }
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
 * The only code that writes the database, as the executor of the shared write operations (../sql/operations): it
 * runs on the writer thread, groups the writes that arrive together into one transaction (a savepoint each when there
 * are several), drives each operation synchronously, and chains the audit rows it leaves from the head it reads inside
 * that transaction, so the chain can never fork, whoever else holds the file.
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
        return this.#apply(markDelivered(op.requestId, op.principalId, op.audit, op.at));
      case 'audit':
        for (const event of op.events) this.#append(event, op.at, null);
        return null;
      case 'purge':
        return this.#apply(purgeDecided(op.input));
      case 'purgeSpent':
        return this.#apply(purgeSpent(op.input));
      case 'update':
        return this.#apply(updatePending(op.input));
      case 'revoke':
        return this.#apply(revokeGrant(op.input));
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

  #append(event: AuditEvent, at: string, state: string | null): void {
    const seq = this.#head.seq + 1;
    const content = auditRowContent(event, at, state);
    const prevHash = this.#head.hash;
    const hash = auditHash(prevHash, { seq, ...content });
    // Positional: better-sqlite3 binds an array without looking each name up (one row per request step).
    this.#stmt.insertAudit.run(seq, content.at, content.type, content.requestId, content.queue, content.actor, content.data, content.stateHash, prevHash, hash);
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
    insertAudit: p('INSERT INTO audit (seq, at, type, request_id, queue, actor, data, state_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    lastAudit: p('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1'),
    auditAt: p('SELECT hash FROM audit WHERE seq = ?'),
    probe: p(`INSERT INTO meta (key, value) VALUES ('write_probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
  };
}
