import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ApprovalRecord, AuditEntry, AuditHead, AuditVerifyResult, Grant } from '@approval-hub/protocol';
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import type { AuditEvent } from '../../audit/audit-events.js';
import {
  StoreIntegrityError,
  type ApprovalStore,
  type AuditQuery,
  type GrantQuery,
  type InsertOutcome,
  type PendingUpdate,
  type RevokeGrant,
  type InsertRequest,
  type ListQuery,
  type PendingQuery,
  type PurgeDecided,
  type PurgedSpent,
  type PurgeSpent,
  type StoreCounts,
  type ReadScope,
  type StorePage,
  type StoredRequest,
  type Transition,
  type VerifyInput,
} from '../store.js';
import { grantStatusSql, toGrant, type GrantRow } from '../stored-grants.js';
import { OUTBOX_STATUSES, type OutboxClaim, type OutboxQuery, type OutboxRow, type OutboxSettle, type OutboxStatus } from '../outbox-store.js';
import { toOutboxRow, type OutboxDbRow } from '../outbox-rows.js';
import { builtScript } from './built-script.js';
import { lockDatabase, type DatabaseLock } from './database-lock.js';
import { budgeted, readAuditHead, toAuditEntry, toRecord, type ApprovalRow, type AuditRow } from './rows.js';
import { fileIdentity, type CreatedAnswer, type InTransactionCrashPoint } from './sqlite-writer.js';
import { WriterClient } from './writer-client.js';
import { SqliteSteps } from '../sql/run-sqlite.js';
import * as reads from '../sql/operations/deadline-reads.js';

export interface SqliteStoreOptions {
  path: string;
  durability: 'normal' | 'full';
  /** How long a write waits for a lock held by another connection before failing (on the writer thread). */
  busyTimeoutMs?: number;
  /** Test-only (HUB_CRASH_AT): die the n-th time a point inside a write transaction is reached. */
  crashAt?: { point: InTransactionCrashPoint; n: number } | undefined;
}

/** How often the committed audit head is recorded beside the lock. */
const HEAD_RECORD_MS = 2000;

function scopeFilter(scope: ReadScope, where: string[], params: unknown[]): void {
  if (scope.queues !== null) {
    if (scope.queues.length === 0) where.push('0');
    else {
      where.push(`queue IN (${scope.queues.map(() => '?').join(',')})`);
      params.push(...scope.queues);
    }
  }
  if (scope.principalId !== null) {
    where.push('principal_id = ?');
    params.push(scope.principalId);
  }
}

/**
 * Free-text search: part of an id (request, run, conversation), the tool name, the agent's label, the summary and
 * the arguments as stored (JSON text). LIKE is case-insensitive for ASCII; `%`, `_` and `\\` in the text match
 * themselves. The text is bounded by the protocol (MAX_SEARCH_LENGTH).
 */
function searchFilter(q: string, where: string[], params: unknown[]): void {
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  // Arguments are stored as JSON: a quote or backslash in the text appears escaped there.
  const inJson = `%${JSON.stringify(q).slice(1, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const columns = ['request_id', 'run_id', 'conversation_id', 'tool_name', 'agent_name', "json_extract(trust, '$.summary')"];
  where.push(`(${columns.map((c) => `${c} LIKE ? ESCAPE '\\'`).join(' OR ')} OR args LIKE ? ESCAPE '\\')`);
  params.push(...columns.map(() => pattern), inJson);
}

/**
 * The embedded default store: SQLite in WAL mode. Writes go to a writer thread that groups each tick's writes into
 * one transaction (so `durability: 'full'` pays one fsync per group, off the event loop); reads run here on a
 * read-only connection, which sees every write whose promise has resolved.
 */
export class SqliteStore implements ApprovalStore {
  readonly #path: string;
  readonly #lock: DatabaseLock;
  readonly #writer: WriterClient;
  readonly #db: Db;
  /** The shared read operations (../sql/operations), on this read connection. */
  readonly #reads: SqliteSteps;
  readonly #stmt: ReturnType<typeof prepareReads>;
  readonly #identity: { dev: number; ino: number } | null;
  #writeFailure: Error | null = null;
  /** Reads whose SQL depends on the filters given, prepared once per distinct text. */
  readonly #prepared = new Map<string, Statement>();
  readonly #headRecorder: NodeJS.Timeout;
  #verifying: Promise<AuditVerifyResult> | null = null;
  #closed = false;

  private constructor(parts: { path: string; lock: DatabaseLock; writer: WriterClient; db: Db }) {
    this.#path = parts.path;
    this.#lock = parts.lock;
    this.#writer = parts.writer;
    this.#db = parts.db;
    this.#stmt = prepareReads(parts.db);
    this.#reads = new SqliteSteps(parts.db);
    this.#identity = parts.path === ':memory:' ? null : fileIdentity(parts.path);
    this.#headRecorder = setInterval(() => this.#recordHead(), HEAD_RECORD_MS);
    this.#headRecorder.unref();
  }

  /** Keeps the committed head beside the lock, for the integrity check at the next start. */
  #recordHead(): void {
    try {
      const head = readAuditHead(this.#db);
      if (head.seq > 0) this.#lock.recordHead(head);
    } catch {
      // The next tick tries again; health reports a failing database on its own.
    }
  }

  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    if (options.path === ':memory:') throw new Error('The SQLite store needs a file: the writer thread and readers share it');
    const file = path.resolve(options.path);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const lock = lockDatabase(file);
    let writer: WriterClient;
    let onFailure: (error: Error) => void = () => {};
    try {
      writer = await WriterClient.start(
        { path: file, durability: options.durability, busyTimeoutMs: options.busyTimeoutMs ?? 100, crashAt: options.crashAt },
        (error) => onFailure(error),
      );
    } catch (error) {
      lock.release();
      throw error;
    }
    // The database holds every request and its arguments: readable by the hub's user only.
    for (const suffix of ['', '-wal', '-shm', '.lock']) {
      try {
        chmodSync(`${file}${suffix}`, 0o600);
      } catch {
        // A file SQLite has not made yet gets the same mode from the database when it is made.
      }
    }
    const db = new Database(file, { readonly: true, fileMustExist: true });
    // The database must still hold the last head a hub recorded for this file: otherwise it was deleted, replaced or
    // restored from an older copy, and starting would silently begin a new chain.
    const recorded = lock.lastHead();
    if (recorded && recorded.seq > 0) {
      const kept = db.prepare('SELECT hash FROM audit WHERE seq = ?').get(recorded.seq) as { hash: string } | undefined;
      if (kept?.hash !== recorded.hash) {
        db.close();
        await writer.close();
        lock.release();
        throw new StoreIntegrityError(
          `The database ${file} is not the one this hub was using: it does not hold audit row ${recorded.seq} (${recorded.hash.slice(0, 12)}…) that was written to it. It was deleted, replaced or restored from an older copy. Restore the right file, or, to start over on purpose, delete ${file}.lock as well.`,
        );
      }
    }
    const store = new SqliteStore({ path: file, lock, writer, db });
    onFailure = (error) => store.#failed(error);
    return store;
  }

  get path(): string {
    return this.#path;
  }

  #statement(sql: string): Statement {
    let statement = this.#prepared.get(sql);
    if (!statement) {
      if (this.#prepared.size > 500) this.#prepared.clear();
      statement = this.#db.prepare(sql);
      this.#prepared.set(sql, statement);
    }
    return statement;
  }

  #failed(error: Error): void {
    this.#writeFailure = error;
  }

  async #write<T>(op: Parameters<WriterClient['write']>[0]): Promise<T> {
    try {
      const value = (await this.#writer.write(op)) as T;
      this.#writeFailure = null;
      return value;
    } catch (error) {
      this.#writeFailure = error as Error;
      throw error;
    }
  }

  // ---- writes ----

  async insertRequest(input: InsertRequest): Promise<InsertOutcome> {
    const outcome = await this.#write<InsertOutcome | CreatedAnswer>({ op: 'insert', input });
    return outcome.kind === 'created' ? { kind: 'created', record: input.record } : outcome;
  }

  transition(input: Transition): Promise<boolean> {
    return this.#write({ op: 'transition', input });
  }

  markDelivered(requestId: string, principalId: string, audit: AuditEvent, at: string): Promise<boolean> {
    return this.#write({ op: 'delivered', requestId, principalId, audit, at });
  }

  async appendAudit(events: AuditEvent[], at: string): Promise<void> {
    await this.#write({ op: 'audit', events, at });
  }

  purgeDecided(input: PurgeDecided): Promise<string[]> {
    return this.#write({ op: 'purge', input });
  }

  purgeSpent(input: PurgeSpent): Promise<PurgedSpent> {
    return this.#write({ op: 'purgeSpent', input });
  }

  updatePending(input: PendingUpdate): Promise<boolean> {
    return this.#write({ op: 'update', input });
  }

  revokeGrant(input: RevokeGrant): Promise<{ grant: Grant; revoked: boolean } | null> {
    return this.#write({ op: 'revoke', input });
  }

  claimOutbox(input: OutboxClaim): Promise<OutboxRow[]> {
    return this.#write({ op: 'outboxClaim', input });
  }

  settleOutbox(input: OutboxSettle): Promise<boolean> {
    return this.#write({ op: 'outboxSettle', input });
  }

  redeliverOutbox(id: string, now: number): Promise<OutboxRow | null> {
    return this.#write({ op: 'outboxRedeliver', id, now });
  }

  // ---- reads ----

  async liveGrants(queue: string, now: number): Promise<Grant[]> {
    return (this.#stmt.liveGrants.all(queue, now) as GrantRow[]).map((row) => toGrant(row, now));
  }

  async listGrants(query: GrantQuery, queues: readonly string[] | null): Promise<StorePage<Grant>> {
    const where: string[] = [];
    const params: unknown[] = [];
    scopeFilter({ queues, principalId: null }, where, params);
    if (query.status) {
      where.push(`${grantStatusSql('?')} IN (${query.status.map(() => '?').join(',')})`);
      params.push(query.now, ...query.status);
    }
    for (const [column, value] of [
      ['queue', query.queue],
      ['tool_name', query.toolName],
      ['granted_by_id', query.grantedBy],
      ['from_request_id', query.fromRequestId],
    ] as const) {
      if (value !== undefined) {
        where.push(`${column} = ?`);
        params.push(value);
      }
    }
    if (query.after !== undefined) {
      where.push('seq < ?');
      params.push(query.after);
    }
    const sql = `SELECT * FROM grants ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    const rows = this.#statement(sql).all(...params, query.limit + 1) as GrantRow[];
    const items = rows.slice(0, query.limit);
    return { items: items.map((row) => toGrant(row, query.now)), next: rows.length > query.limit ? items.at(-1)!.seq : null };
  }

  async getGrant(grantId: string, queues: readonly string[] | null, now: number): Promise<Grant | null> {
    const where = ['grant_id = ?'];
    const params: unknown[] = [grantId];
    scopeFilter({ queues, principalId: null }, where, params);
    const row = this.#statement(`SELECT * FROM grants WHERE ${where.join(' AND ')}`).get(...params) as GrantRow | undefined;
    return row ? toGrant(row, now) : null;
  }

  async dueEscalations(now: number, limit: number): Promise<StoredRequest[]> {
    return this.#reads.drive(reads.dueEscalations(now, limit));
  }

  async nextEscalation(): Promise<number | null> {
    return this.#reads.drive(reads.nextEscalation());
  }

  async listOutbox(query: OutboxQuery): Promise<StorePage<OutboxRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status !== undefined) {
      where.push('status = ?');
      params.push(query.status);
    }
    if (query.channel !== undefined) {
      where.push('channel = ?');
      params.push(query.channel);
    }
    if (query.requestId !== undefined) {
      where.push('request_id = ?');
      params.push(query.requestId);
    }
    if (query.before !== undefined) {
      where.push('seq < ?');
      params.push(query.before);
    }
    const sql = `SELECT * FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    const rows = this.#statement(sql).all(...params, query.limit + 1) as OutboxDbRow[];
    const items = rows.slice(0, query.limit).map(toOutboxRow);
    return { items, next: rows.length > query.limit ? items[items.length - 1]!.position : null };
  }

  async outboxOf(requestId: string, channel: string): Promise<OutboxRow[]> {
    return (this.#statement('SELECT * FROM outbox WHERE request_id = ? AND channel = ? ORDER BY seq').all(requestId, channel) as OutboxDbRow[]).map(toOutboxRow);
  }

  async outboxCounts(): Promise<Record<OutboxStatus, number>> {
    const counts = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as Record<OutboxStatus, number>;
    for (const row of this.#statement('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status').all() as { status: OutboxStatus; n: number }[]) counts[row.status] = row.n;
    return counts;
  }

  async counts(): Promise<StoreCounts> {
    const pendingByQueue: Record<string, number> = {};
    for (const row of this.#stmt.pendingByQueue.all() as { queue: string; n: number }[]) pendingByQueue[row.queue] = row.n;
    return { pendingByQueue, undelivered: (this.#stmt.undeliveredCount.get() as { n: number }).n };
  }

  async getRequest(requestId: string, scope: ReadScope): Promise<StoredRequest | null> {
    const where = ['request_id = ?'];
    const params: unknown[] = [requestId];
    scopeFilter(scope, where, params);
    // The scope is part of the query: a row outside it is never read, let alone parsed.
    const row = this.#statement(`SELECT * FROM approvals WHERE ${where.join(' AND ')}`).get(...params) as ApprovalRow | undefined;
    return row ? { record: toRecord(row), principalId: row.principal_id, requestHash: row.request_hash } : null;
  }

  async listRequests(query: ListQuery, scope: ReadScope): Promise<StorePage<ApprovalRecord>> {
    const where: string[] = [];
    const params: unknown[] = [];
    scopeFilter(scope, where, params);
    if (query.status) {
      where.push(`status IN (${query.status.map(() => '?').join(',')})`);
      params.push(...query.status);
    }
    for (const [column, value] of [
      ['queue', query.queue],
      ['agent_name', query.agentName],
      ['tool_name', query.toolName],
      ['conversation_id', query.conversationId],
    ] as const) {
      if (value !== undefined) {
        where.push(`${column} = ?`);
        params.push(value);
      }
    }
    if (query.q !== undefined) searchFilter(query.q, where, params);
    const byDecision = query.sort === 'decided';
    if (byDecision) {
      where.push('decided_at IS NOT NULL');
      if (query.after !== undefined) {
        // decided_at is written once, when the request leaves pending, so the last row still places the page.
        where.push('(decided_at, seq) < ((SELECT decided_at FROM approvals WHERE seq = ?), ?)');
        params.push(query.after, query.after);
      }
    } else if (query.after !== undefined) {
      where.push('seq < ?');
      params.push(query.after);
    }
    const order = byDecision ? 'decided_at DESC, seq DESC' : 'seq DESC';
    const sql = `SELECT * FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
    const page = budgeted(this.#statement(sql).iterate(...params, query.limit + 1) as IterableIterator<ApprovalRow>, query.limit, query.maxBytes);
    return { items: page.rows.map(toRecord), next: page.more ? page.rows.at(-1)!.seq : null };
  }

  async listPending(queues: readonly string[] | null, query: PendingQuery): Promise<StorePage<ApprovalRecord, { expiresAt: number; position: number }>> {
    const where = ["status = 'pending'"];
    const params: unknown[] = [];
    scopeFilter({ queues, principalId: null }, where, params);
    if (query.after) {
      where.push('(expires_at > ? OR (expires_at = ? AND seq > ?))');
      params.push(query.after.expiresAt, query.after.expiresAt, query.after.position);
    }
    const sql = `SELECT * FROM approvals WHERE ${where.join(' AND ')} ORDER BY expires_at, seq LIMIT ?`;
    const page = budgeted(this.#statement(sql).iterate(...params, query.limit + 1) as IterableIterator<ApprovalRow>, query.limit, query.maxBytes);
    const last = page.rows.at(-1);
    return { items: page.rows.map(toRecord), next: page.more && last ? { expiresAt: last.expires_at, position: last.seq } : null };
  }

  async undelivered(principalId: string, limit: number, afterPosition = 0): Promise<StorePage<ApprovalRecord>> {
    const rows = this.#stmt.undelivered.all(principalId, afterPosition, limit + 1) as ApprovalRow[];
    const more = rows.length > limit;
    const items = rows.slice(0, limit);
    return { items: items.map(toRecord), next: more ? items.at(-1)!.seq : null };
  }

  async due(now: number, limit: number): Promise<StoredRequest[]> {
    return this.#reads.drive(reads.due(now, limit));
  }

  async nextDeadline(): Promise<number | null> {
    return this.#reads.drive(reads.nextDeadline());
  }

  async timeline(requestId: string): Promise<AuditEntry[]> {
    return (this.#stmt.timeline.all(requestId) as AuditRow[]).map(toAuditEntry);
  }

  async listAudit(query: AuditQuery, queues: readonly string[] | null): Promise<StorePage<AuditEntry>> {
    const where: string[] = [];
    const params: unknown[] = [];
    scopeFilter({ queues, principalId: null }, where, params);
    if (queues === null && !query.includeHubRows) where.push('queue IS NOT NULL');
    if (query.requestId !== undefined) {
      where.push('request_id = ?');
      params.push(query.requestId);
    }
    if (query.type) {
      where.push(`type IN (${query.type.map(() => '?').join(',')})`);
      params.push(...query.type);
    }
    if (query.queue !== undefined) {
      where.push('queue = ?');
      params.push(query.queue);
    }
    if (query.since !== undefined) {
      where.push('at >= ?');
      params.push(new Date(query.since).toISOString());
    }
    if (query.until !== undefined) {
      where.push('at < ?');
      params.push(new Date(query.until).toISOString());
    }
    if (query.after !== undefined) {
      where.push('seq < ?');
      params.push(query.after);
    }
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    const rows = this.#statement(sql).all(...params, query.limit + 1) as AuditRow[];
    const more = rows.length > query.limit;
    const items = rows.slice(0, query.limit);
    return { items: items.map(toAuditEntry), next: more ? items.at(-1)!.seq : null };
  }

  /** Runs on its own thread and connection; one at a time (a second caller shares the running one's answer). */
  verifyAudit(input: VerifyInput): Promise<AuditVerifyResult> {
    if (this.#verifying && !input.expectedHead) return this.#verifying;
    const run = new Promise<AuditVerifyResult>((resolve, reject) => {
      const worker = new Worker(builtScript('./verify-thread.js', import.meta.url), { workerData: { path: this.#path, input } });
      worker.once('message', (message: { ok: true; result: AuditVerifyResult } | { ok: false; message: string }) => {
        if (message.ok) resolve(message.result);
        else reject(new Error(message.message));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => code !== 0 && reject(new Error(`audit verification stopped (exit ${code})`)));
    }).finally(() => {
      if (this.#verifying === run) this.#verifying = null;
    });
    if (!input.expectedHead) this.#verifying = run;
    return run;
  }

  async auditHead(): Promise<AuditHead> {
    return readAuditHead(this.#db);
  }

  async decisionLinkUsed(linkId: string): Promise<boolean> {
    return this.#reads.drive(reads.decisionLinkUsed(linkId));
  }

  async secret(): Promise<Buffer> {
    const row = this.#stmt.secret.get() as { value: Buffer } | undefined;
    if (!row) throw new StoreIntegrityError(`The database ${this.#path} has no secret: it was not made by this hub`);
    return row.value;
  }

  /**
   * Fails when the database does: unreadable, deleted or replaced under the hub, or its last write failed. After a
   * failed write it tries a real write, so health recovers by itself when the database does.
   */
  async ping(): Promise<void> {
    this.#stmt.ping.get();
    if (this.#identity) {
      const now = fileIdentity(this.#path);
      if (!now) throw new StoreIntegrityError(`the database file ${this.#path} was deleted under the running hub`);
      if (now.dev !== this.#identity.dev || now.ino !== this.#identity.ino) throw new StoreIntegrityError(`the database file ${this.#path} was replaced under the running hub`);
    }
    if (this.#writeFailure) await this.#write({ op: 'probe' });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#headRecorder);
    await this.#writer.close();
    this.#recordHead();
    this.#db.close();
    this.#lock.release();
  }
}

function prepareReads(db: Db) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    ping: p('SELECT 1'),
    pendingByQueue: p(`SELECT name AS queue, n FROM pending_counts WHERE scope = 'queue' AND n > 0`),
    undeliveredCount: p('SELECT COUNT(*) AS n FROM deliveries'),
    undelivered: p(`SELECT a.* FROM deliveries d JOIN approvals a ON a.request_id = d.request_id
      WHERE d.principal_id = ? AND a.seq > ? ORDER BY a.seq LIMIT ?`),
    timeline: p('SELECT * FROM audit WHERE request_id = ? ORDER BY seq'),
    secret: p(`SELECT value FROM meta WHERE key = 'secret'`),
    liveGrants: p(`SELECT * FROM grants WHERE queue = ? AND revoked_at IS NULL AND expires_at > ? AND (max_uses IS NULL OR uses < max_uses) ORDER BY seq`),
  };
}

export function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  return SqliteStore.open(options);
}
