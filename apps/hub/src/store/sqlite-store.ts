import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type {
  ApprovalListQuery,
  ApprovalRecord,
  AuditActor,
  AuditEntry,
  AuditHead,
  AuditListQuery,
  AuditType,
  AuditVerifyResult,
  Decision,
  Page,
} from '@approval-hub/protocol';
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import { systemClock, toIso, type Clock } from '../clock.js';
import type { CrashHook } from '../crash-hook.js';
import { GENESIS_HASH, auditHash } from './audit-chain.js';
import { canonicalJson } from './canonical-json.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { migrate } from './migrations.js';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.js';
import type {
  ApprovalStore,
  CancelOutcome,
  CreateOutcome,
  DecideInput,
  DecideOutcome,
  NewApproval,
  QueueScope,
  RejectionAudit,
  ResolvedRequest,
} from './store.js';

export interface SqliteStoreOptions {
  path: string;
  durability: 'normal' | 'full';
  clock?: Clock;
  /** How long a write waits for a lock held by another process before failing (the event loop waits too). */
  busyTimeoutMs?: number;
  /** Test-only (HUB_CRASH_AT): called inside a transaction, before COMMIT, at the points named there. */
  crashHook?: CrashHook | undefined;
}

interface ApprovalRow {
  seq: number;
  request_id: string;
  principal_id: string;
  request_hash: string;
  status: ApprovalRecord['status'];
  tool_name: string;
  args: string;
  agent_name: string;
  run_id: string;
  conversation_id: string | null;
  description: string | null;
  queue: string;
  created_at: number;
  expires_at: number;
  decision: string | null;
}

interface AuditRow {
  seq: number;
  at: string;
  type: AuditType;
  request_id: string | null;
  queue: string | null;
  actor: string;
  data: string;
  prev_hash: string;
  hash: string;
}

interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Keeps at most this many rows per expiry pass, so one pass never blocks the loop for long. */
const EXPIRY_BATCH = 500;

/**
 * A decision as stored: its arguments only when a reviewer changed them; otherwise they are the row's own
 * (one copy of the arguments instead of two).
 */
function decisionText(decision: Decision): string {
  return JSON.stringify(decision.modified ? decision : { ...decision, args: undefined });
}

function toRecord(row: ApprovalRow): ApprovalRecord {
  const args = JSON.parse(row.args) as ApprovalRecord['args'];
  const record: ApprovalRecord = {
    requestId: row.request_id,
    status: row.status,
    toolName: row.tool_name,
    args,
    agentName: row.agent_name,
    runId: row.run_id,
    queue: row.queue,
    createdAt: toIso(row.created_at),
    expiresAt: toIso(row.expires_at),
  };
  if (row.conversation_id !== null) record.conversationId = row.conversation_id;
  if (row.description !== null) record.description = row.description;
  if (row.decision !== null) {
    const decision = JSON.parse(row.decision) as Decision;
    record.decision = { ...decision, args: decision.args ?? args };
  }
  return record;
}

function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    requestId: row.request_id,
    queue: row.queue,
    actor: JSON.parse(row.actor) as AuditActor,
    data: JSON.parse(row.data) as unknown,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function queueFilter(scope: QueueScope, column: string, where: string[], params: unknown[]): void {
  if (scope === null) return;
  if (scope.length === 0) where.push('0');
  else {
    where.push(`${column} IN (${scope.map(() => '?').join(',')})`);
    params.push(...scope);
  }
}

/**
 * The embedded default store: better-sqlite3 in WAL mode. Writes are grouped per event-loop tick into
 * one transaction (a savepoint per write when several share it), so `durability: 'full'` pays one fsync per tick.
 */
export class SqliteStore implements ApprovalStore {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #stmt: ReturnType<typeof prepareStatements>;
  readonly #crash: CrashHook;
  #head: AuditHead;
  #pending: PendingWrite[] = [];
  #flushScheduled = false;
  #closed = false;
  readonly #checkpointer: WalCheckpointer | null;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
    this.#clock = options.clock ?? systemClock;
    this.#crash = options.crashHook ?? (() => {});
    this.#db = new Database(options.path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    this.#db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 100}`);
    this.#db.pragma('foreign_keys = ON');
    const onDisk = options.path !== ':memory:';
    if (onDisk) {
      this.#db.pragma('wal_autocheckpoint = 0');
      this.#db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    }
    migrate(this.#db);
    this.#checkpointer = onDisk ? startWalCheckpointer(options.path) : null;
    this.#stmt = prepareStatements(this.#db);
    const last = this.#stmt.lastAudit.get() as AuditRow | undefined;
    this.#head = last ? { seq: last.seq, hash: last.hash, at: last.at } : { seq: 0, hash: GENESIS_HASH, at: null };
  }

  // ---- writes (grouped commit) ----

  #write<T>(run: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    const headBefore = this.#head;
    // A lone write needs no savepoint: if it fails, the whole transaction is its own to roll back.
    const isolate = batch.length > 1;
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.#stmt.begin.run();
      for (const write of batch) {
        const headBeforeWrite = this.#head;
        if (isolate) this.#stmt.savepoint.run();
        try {
          const value = write.run();
          if (isolate) this.#stmt.release.run();
          results.push({ ok: true, value });
        } catch (error) {
          this.#head = headBeforeWrite;
          // Some errors (disk full, I/O) make SQLite roll back the whole transaction: then nothing commits.
          if (!isolate || !this.#db.inTransaction) throw error;
          this.#stmt.rollbackTo.run();
          this.#stmt.release.run();
          results.push({ ok: false, error });
        }
      }
      this.#stmt.commit.run();
    } catch (error) {
      this.#head = headBefore;
      if (this.#db.inTransaction) {
        try {
          this.#stmt.rollback.run();
        } catch {
          // The transaction is already gone; nothing to undo.
        }
      }
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, i) => {
      const result = results[i]!;
      if (result.ok) write.resolve(result.value);
      else write.reject(result.error);
    });
  }

  #audit(type: AuditType, requestId: string | null, queue: string | null, actor: AuditActor, data: unknown): void {
    const seq = this.#head.seq + 1;
    const at = toIso(this.#clock.now());
    // Hash exactly what SQLite keeps: it stores text as UTF-8, so a lone surrogate would read back as U+FFFD and the
    // row would no longer match its hash (JSON.stringify already escapes them in actor and data).
    const row = { seq, at, type, requestId: requestId?.toWellFormed() ?? null, queue: queue?.toWellFormed() ?? null, actor: JSON.stringify(actor), data: JSON.stringify(data) };
    const hash = auditHash(this.#head.hash, row);
    this.#stmt.insertAudit.run({ ...row, prevHash: this.#head.hash, hash });
    this.#head = { seq, hash, at };
  }

  #row(requestId: string): ApprovalRow | undefined {
    return this.#stmt.byRequestId.get(requestId) as ApprovalRow | undefined;
  }

  #resolve(row: ApprovalRow, status: ApprovalRecord['status'], decision: Decision | null, now: number): ApprovalRecord {
    const text = decision ? decisionText(decision) : null;
    this.#stmt.resolve.run({ requestId: row.request_id, status, decision: text });
    if (decision) this.#stmt.insertDelivery.run({ requestId: row.request_id, principalId: row.principal_id, createdAt: now });
    return toRecord({ ...row, status, decision: text });
  }

  #expire(row: ApprovalRow, decision: Decision, now: number): ApprovalRecord {
    const record = this.#resolve(row, 'expired', decision, now);
    this.#audit('expired', row.request_id, row.queue, { kind: 'timeout' }, {
      approved: decision.approved,
      reason: decision.reason,
      expiresAt: record.expiresAt,
    });
    return record;
  }

  createRequest(input: NewApproval): Promise<CreateOutcome> {
    return this.#write(() => {
      const { record } = input;
      const existing = this.#row(record.requestId);
      if (existing) {
        if (existing.principal_id === input.principalId && existing.request_hash === input.requestHash) {
          return { kind: 'existing', record: toRecord(existing) } as const;
        }
        return { kind: 'conflict' } as const;
      }
      const createdAt = Date.parse(record.createdAt);
      this.#stmt.insertApproval.run({
        requestId: record.requestId,
        principalId: input.principalId,
        requestHash: input.requestHash,
        status: record.status,
        toolName: record.toolName,
        args: JSON.stringify(record.args),
        agentName: record.agentName,
        runId: record.runId,
        conversationId: record.conversationId ?? null,
        description: record.description ?? null,
        queue: record.queue,
        createdAt,
        expiresAt: Date.parse(record.expiresAt),
        decision: record.decision ? decisionText(record.decision) : null,
      });
      const agent: AuditActor = { kind: 'agent', id: input.principalId, name: input.principalName };
      this.#audit('requested', record.requestId, record.queue, agent, {
        toolName: record.toolName,
        agentName: record.agentName,
        runId: record.runId,
        conversationId: record.conversationId,
        args: record.args,
        expiresAt: record.expiresAt,
      });
      if (record.decision && input.policyRule) {
        this.#stmt.insertDelivery.run({ requestId: record.requestId, principalId: input.principalId, createdAt });
        this.#audit(record.decision.approved ? 'auto_approved' : 'auto_denied', record.requestId, record.queue, { kind: 'policy', rule: input.policyRule }, {
          reason: record.decision.reason,
        });
      }
      this.#crash('request.before-commit');
      return { kind: 'created', record } as const;
    });
  }

  decide(input: DecideInput): Promise<DecideOutcome> {
    return this.#write((): DecideOutcome => {
      const row = this.#row(input.requestId);
      const attempt = { approved: input.decision.approved, edited: input.editedArgs !== undefined, reason: input.decision.reason };
      if (!row || (input.scope !== null && !input.scope.includes(row.queue))) {
        this.#audit('decision_rejected', input.requestId, null, input.actor, { ...attempt, code: 'not_found' });
        return { kind: 'not_found' };
      }
      if (row.status !== 'pending') {
        this.#audit('decision_rejected', row.request_id, row.queue, input.actor, { ...attempt, code: 'already_decided' });
        return { kind: 'already_decided', record: toRecord(row) };
      }
      if (input.now >= row.expires_at) {
        const record = this.#expire(row, input.timeoutDecision(toRecord(row)), input.now);
        this.#audit('decision_rejected', row.request_id, row.queue, input.actor, { ...attempt, code: 'expired' });
        return { kind: 'expired', record, expiredNow: { principalId: row.principal_id } };
      }
      const modified = input.editedArgs !== undefined && canonicalJson(input.editedArgs) !== canonicalJson(JSON.parse(row.args));
      const decision: Decision = { ...input.decision, args: modified ? input.editedArgs! : (JSON.parse(row.args) as Decision['args']), modified };
      const record = this.#resolve(row, input.status, decision, input.now);
      this.#audit('decided', row.request_id, row.queue, input.actor, {
        approved: decision.approved,
        reason: decision.reason,
        modified,
        args: modified ? decision.args : undefined,
      });
      return { kind: 'decided', record, principalId: row.principal_id };
    });
  }

  cancel(requestId: string, principalId: string, actor: AuditActor, reason: string | undefined, now: number): Promise<CancelOutcome> {
    return this.#write((): CancelOutcome => {
      const row = this.#row(requestId);
      if (!row || row.principal_id !== principalId) return { kind: 'not_found' };
      if (row.status !== 'pending') return { kind: 'already_decided', record: toRecord(row) };
      const record = this.#resolve(row, 'cancelled', null, now);
      this.#audit('cancelled', requestId, row.queue, actor, { reason });
      return { kind: 'cancelled', record };
    });
  }

  expireDue(now: number, decide: (record: ApprovalRecord) => { decision: Decision }): Promise<ResolvedRequest[]> {
    return this.#write(() => {
      const rows = this.#stmt.due.all(now, EXPIRY_BATCH) as ApprovalRow[];
      const expired = rows.map((row) => ({ record: this.#expire(row, decide(toRecord(row)).decision, now), principalId: row.principal_id }));
      if (expired.length > 0) this.#crash('deadline.before-commit');
      return expired;
    });
  }

  markDelivered(requestId: string, principalId: string, actor: AuditActor): Promise<boolean> {
    return this.#write(() => {
      const { changes } = this.#stmt.deleteDelivery.run(requestId, principalId);
      if (changes === 0) return false;
      const row = this.#stmt.queueOf.get(requestId) as { queue: string } | undefined;
      this.#audit('delivered', requestId, row?.queue ?? null, actor, {});
      return true;
    });
  }

  appendAudit(type: AuditType, entry: RejectionAudit): Promise<void> {
    return this.#write(() => this.#audit(type, entry.requestId ?? null, null, entry.actor, entry.data));
  }

  // ---- reads ----

  getRecord(requestId: string): ApprovalRecord | null {
    const row = this.#row(requestId);
    return row ? toRecord(row) : null;
  }

  getOwnedRecord(requestId: string, principalId: string): ApprovalRecord | null {
    const row = this.#row(requestId);
    return row && row.principal_id === principalId ? toRecord(row) : null;
  }

  listPending(scope: QueueScope): ApprovalRecord[] {
    const where = ["status = 'pending'"];
    const params: unknown[] = [];
    queueFilter(scope, 'queue', where, params);
    const rows = this.#db.prepare(`SELECT * FROM approvals WHERE ${where.join(' AND ')} ORDER BY expires_at, seq`).all(...params) as ApprovalRow[];
    return rows.map(toRecord);
  }

  listApprovals(query: ApprovalListQuery, scope: QueueScope, principalId?: string): Page<ApprovalRecord> {
    const where: string[] = [];
    const params: unknown[] = [];
    queueFilter(scope, 'queue', where, params);
    if (principalId !== undefined) {
      where.push('principal_id = ?');
      params.push(principalId);
    }
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
    if (query.cursor !== undefined) {
      where.push('seq < ?');
      params.push(decodeCursor(query.cursor));
    }
    const sql = `SELECT * FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    const rows = this.#db.prepare(sql).all(...params, query.limit + 1) as ApprovalRow[];
    const more = rows.length > query.limit;
    const items = rows.slice(0, query.limit);
    return { items: items.map(toRecord), nextCursor: more ? encodeCursor(items.at(-1)!.seq) : null };
  }

  undelivered(principalId: string): ApprovalRecord[] {
    return (this.#stmt.undelivered.all(principalId) as ApprovalRow[]).map(toRecord);
  }

  nextDeadline(): number | null {
    const row = this.#stmt.nextDeadline.get() as { at: number | null };
    return row.at;
  }

  timeline(requestId: string): AuditEntry[] {
    return (this.#stmt.timeline.all(requestId) as AuditRow[]).map(toAuditEntry);
  }

  listAudit(query: AuditListQuery, scope: QueueScope): Page<AuditEntry> {
    const where: string[] = [];
    const params: unknown[] = [];
    queueFilter(scope, 'queue', where, params);
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
    if (query.cursor !== undefined) {
      where.push('seq < ?');
      params.push(decodeCursor(query.cursor));
    }
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    const rows = this.#db.prepare(sql).all(...params, query.limit + 1) as AuditRow[];
    const more = rows.length > query.limit;
    const items = rows.slice(0, query.limit);
    return { items: items.map(toAuditEntry), nextCursor: more ? encodeCursor(items.at(-1)!.seq) : null };
  }

  verifyAudit(): AuditVerifyResult {
    return verifyAuditChain(this.#stmt.allAudit.iterate() as IterableIterator<AuditRow>);
  }

  /** The stored hash of one audit row, to compare with a head exported earlier. */
  auditHashAt(seq: number): string | null {
    const row = this.#stmt.auditAt.get(seq) as { hash: string } | undefined;
    return row?.hash ?? null;
  }

  auditHead(): AuditHead {
    return { ...this.#head };
  }

  ping(): void {
    this.#stmt.ping.get();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Let writes already queued commit before the handle goes.
    if (this.#pending.length > 0) this.#flush();
    this.#closed = true;
    await this.#checkpointer?.stop();
    try {
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // A database that cannot checkpoint now still closes; the WAL is replayed at the next open.
    }
    this.#db.close();
  }
}

/** Walks the chain in order; names the first row whose position, link or content is wrong. */
export function verifyAuditChain(rows: Iterable<AuditRow>): AuditVerifyResult {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  for (const row of rows) {
    if (row.seq !== expectedSeq) {
      const reason = row.seq > expectedSeq ? `row ${expectedSeq} is missing (next row is ${row.seq})` : `row ${row.seq} is out of order`;
      return { ok: false, checked, firstBad: { seq: Math.min(row.seq, expectedSeq), reason }, head: null };
    }
    if (row.prev_hash !== prevHash) {
      return { ok: false, checked, firstBad: { seq: row.seq, reason: 'prev_hash does not match the previous row (a row was removed, inserted or reordered)' }, head: null };
    }
    const hash = auditHash(prevHash, {
      seq: row.seq,
      at: row.at,
      type: row.type,
      requestId: row.request_id,
      queue: row.queue,
      actor: row.actor,
      data: row.data,
    });
    if (hash !== row.hash) {
      return { ok: false, checked, firstBad: { seq: row.seq, reason: 'content does not match its hash (the row was changed)' }, head: null };
    }
    prevHash = row.hash;
    expectedSeq++;
    checked++;
  }
  return { ok: true, checked, head: checked > 0 ? { seq: expectedSeq - 1, hash: prevHash } : null };
}

function prepareStatements(db: Db) {
  const prepare = (sql: string): Statement => db.prepare(sql);
  return {
    begin: prepare('BEGIN IMMEDIATE'),
    commit: prepare('COMMIT'),
    rollback: prepare('ROLLBACK'),
    savepoint: prepare('SAVEPOINT write'),
    release: prepare('RELEASE write'),
    rollbackTo: prepare('ROLLBACK TO write'),
    ping: prepare('SELECT 1'),
    byRequestId: prepare('SELECT * FROM approvals WHERE request_id = ?'),
    queueOf: prepare('SELECT queue FROM approvals WHERE request_id = ?'),
    insertApproval: prepare(`INSERT INTO approvals
      (request_id, principal_id, request_hash, status, tool_name, args, agent_name, run_id, conversation_id, description, queue, created_at, expires_at, decision)
      VALUES (@requestId, @principalId, @requestHash, @status, @toolName, @args, @agentName, @runId, @conversationId, @description, @queue, @createdAt, @expiresAt, @decision)`),
    resolve: prepare(`UPDATE approvals SET status = @status, decision = @decision WHERE request_id = @requestId AND status = 'pending'`),
    insertDelivery: prepare('INSERT OR IGNORE INTO deliveries (request_id, principal_id, created_at) VALUES (@requestId, @principalId, @createdAt)'),
    deleteDelivery: prepare('DELETE FROM deliveries WHERE request_id = ? AND principal_id = ?'),
    undelivered: prepare(`SELECT a.* FROM deliveries d JOIN approvals a ON a.request_id = d.request_id
      WHERE d.principal_id = ? ORDER BY d.created_at, a.seq`),
    due: prepare(`SELECT * FROM approvals WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?`),
    nextDeadline: prepare(`SELECT MIN(expires_at) AS at FROM approvals WHERE status = 'pending'`),
    insertAudit: prepare(`INSERT INTO audit (seq, at, type, request_id, queue, actor, data, prev_hash, hash)
      VALUES (@seq, @at, @type, @requestId, @queue, @actor, @data, @prevHash, @hash)`),
    lastAudit: prepare('SELECT * FROM audit ORDER BY seq DESC LIMIT 1'),
    auditAt: prepare('SELECT hash FROM audit WHERE seq = ?'),
    allAudit: prepare('SELECT * FROM audit ORDER BY rowid'),
    timeline: prepare('SELECT * FROM audit WHERE request_id = ? ORDER BY seq'),
  };
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options);
}
