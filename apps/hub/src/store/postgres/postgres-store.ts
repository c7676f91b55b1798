import { randomBytes } from 'node:crypto';
import type { ApprovalRecord, AuditEntry, AuditHead, AuditVerifyResult, Grant } from '@approval-hub/protocol';
import type pg from 'pg';
import type { AuditEvent } from '../../audit/audit-events.js';
import { budgeted, toAuditEntry, toRecord, type ApprovalRow, type AuditRow } from '../stored-rows.js';
import { grantStatusSql, toGrant, type GrantRow } from '../stored-grants.js';
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
  type ReadScope,
  type StoreChange,
  type StoreCounts,
  type StorePage,
  type StoredRequest,
  type Transition,
  type VerifyInput,
} from '../store.js';
import { GrantCache } from '../grant-cache.js';
import { listenForChanges } from './change-listener.js';
import { connectionFailure } from './connection-failure.js';
import { createPool } from './pool.js';
import { maskPostgresUrl } from './postgres-url.js';
import { claimOutbox, redeliverOutbox, settleOutbox } from '../sql/operations/outbox.js';
import { markDelivered } from '../sql/operations/mark-delivered.js';
import { purgeDecided, purgeSpent } from '../sql/operations/purge.js';
import { revokeGrant } from '../sql/operations/revoke-grant.js';
import { drive } from '../sql/run-postgres.js';
import * as reads from '../sql/operations/deadline-reads.js';
import { transition } from '../sql/operations/transition.js';
import { insertRequest } from '../sql/operations/insert-request.js';
import { updatePending } from '../sql/operations/update-pending.js';
import { OUTBOX_STATUSES, type OutboxClaim, type OutboxQuery, type OutboxRow, type OutboxSettle, type OutboxStatus } from '../outbox-store.js';
import { toOutboxRow, type OutboxDbRow } from '../outbox-rows.js';
import { migrate } from './schema.js';
import { readAuditHead, verifyPostgres } from './verify-postgres.js';
import { type ChainHead, QuotaExceededError, WriteBatcher } from './write-batch.js';
import type { WriteResult } from '../sql/tx.js';

export interface PostgresStoreOptions {
  url: string;
  /** Connections this node may hold (default 10). */
  poolSize?: number;
}

/** Numbered parameters for a query built from optional filters. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function scopeFilter(scope: ReadScope, where: string[], params: Params): void {
  if (scope.queues !== null) where.push(scope.queues.length === 0 ? 'FALSE' : `queue = ANY(${params.add(scope.queues)}::text[])`);
  if (scope.principalId !== null) where.push(`principal_id = ${params.add(scope.principalId)}`);
}

/**
 * Free-text search, as on SQLite: part of an id (request, run, conversation), the tool name, the agent's label, the
 * summary and the arguments as stored (JSON text), case-insensitive. `%`, `_` and `\\` in the text match themselves.
 */
function searchFilter(q: string, where: string[], params: Params): void {
  const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
  const pattern = params.add(`%${escapeLike(q)}%`);
  // Arguments are stored as JSON: a quote or backslash in the text appears escaped there.
  const inJson = params.add(`%${escapeLike(JSON.stringify(q).slice(1, -1))}%`);
  const columns = ['request_id', 'run_id', 'conversation_id', 'tool_name', 'agent_name', `(trust::json ->> 'summary')`];
  where.push(`(${columns.map((c) => `${c} ILIKE ${pattern}`).join(' OR ')} OR args ILIKE ${inJson})`);
}

const whereClause = (where: string[]) => (where.length ? `WHERE ${where.join(' AND ')}` : '');

/**
 * A store on PostgreSQL, for one or many hub nodes sharing one database. A node's writes are grouped: those of one
 * event-loop turn commit as one transaction, each isolated from the others' failures (write-batch.ts); transitions are conditional updates, quotas are read from counters kept in the writing transaction, and audit appends take
 * turns on the one-row `audit_head` (see audit-append.ts), so the same guarantees hold across nodes as within one.
 * Times are the engine's (the node's clock), stored as the SQLite store stores them.
 */
export class PostgresStore implements ApprovalStore {
  readonly #pool: pg.Pool;
  readonly #url: string;
  /** This store's id in change notices, so this node skips its own. */
  readonly #node = randomBytes(8).toString('hex');
  /** The last chain head this store committed: the database must never go back behind it. */
  #lastHead: ChainHead | null = null;
  #secret: Buffer | null = null;
  #writeFailure: Error | null = null;
  #closed = false;
  readonly #batcher: WriteBatcher;
  readonly #grants = new GrantCache();
  /** One LISTEN connection per node, shared by every watcher and the grant cache (started on first need). */
  #stopListening: (() => void) | null = null;
  readonly #watchers = new Set<(change: StoreChange) => void>();

  private constructor(pool: pg.Pool, url: string) {
    this.#pool = pool;
    this.#url = url;
    this.#batcher = new WriteBatcher({
      pool,
      node: this.#node,
      lastHead: () => this.#lastHead,
      committed: (head, grantQueues) => {
        if (head && (!this.#lastHead || head.seq > this.#lastHead.seq)) this.#lastHead = head;
        if (grantQueues.length > 0) this.#grants.invalidate(grantQueues);
        this.#writeFailure = null;
      },
      failed: (error) => {
        // A quota refusal is an answer, not a failing database.
        if (!(error instanceof QuotaExceededError)) this.#writeFailure = error;
      },
    });
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const pool = createPool({ url: options.url, max: options.poolSize });
    try {
      await migrate(pool);
      // A key that lives with the data (cursor encryption): made once by whichever node comes first.
      await pool.query(`INSERT INTO meta (key, value) VALUES ('secret', $1) ON CONFLICT (key) DO NOTHING`, [randomBytes(32)]);
    } catch (error) {
      await pool.end().catch(() => {});
      throw connectionFailure(error, options.url);
    }
    return new PostgresStore(pool, options.url);
  }

  /** Runs one write in this node's next batch (write-batch.ts); resolves once that batch committed. */
  #write<T>(key: string, run: (client: pg.PoolClient) => Promise<WriteResult<T>>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    return this.#batcher.submit(key, run);
  }

  /** Starts this node's listening connection (once): other nodes' changes for watchers, and grant cache invalidation. */
  #listen(): void {
    if (this.#stopListening || this.#closed) return;
    this.#stopListening = listenForChanges({
      url: this.#url,
      node: this.#node,
      onChange: (change) => {
        // Missed notices may have changed grants too.
        if (change.kind === 'resync') this.#grants.invalidateAll();
        for (const watcher of this.#watchers) watcher(change);
      },
      onGrants: (queues) => this.#grants.invalidate(queues),
      onListening: (listening) => this.#grants.enabled(listening),
      onError: () => {},
    });
  }

  // ---- writes ----

  async insertRequest(input: InsertRequest): Promise<InsertOutcome> {
    try {
      return await this.#write(input.record.requestId, (client) => drive(client, insertRequest(input)));
    } catch (error) {
      if (error instanceof QuotaExceededError) return { kind: 'quota_exceeded', scope: error.scope, limit: error.limit };
      throw error;
    }
  }

  transition(input: Transition): Promise<boolean> {
    return this.#write(input.requestId, (client) => drive(client, transition(input)));
  }

  markDelivered(requestId: string, principalId: string, audit: AuditEvent, at: string): Promise<boolean> {
    return this.#write(requestId, (client) => drive(client, markDelivered(requestId, principalId, audit, at)));
  }

  appendAudit(events: AuditEvent[], at: string): Promise<void> {
    return this.#write('', async () => ({ value: undefined, audit: events.map((event) => ({ event, at, state: null })), commit: true }));
  }

  purgeDecided(input: PurgeDecided): Promise<string[]> {
    return this.#write('', (client) => drive(client, purgeDecided(input)));
  }

  purgeSpent(input: PurgeSpent): Promise<PurgedSpent> {
    return this.#write('', (client) => drive(client, purgeSpent(input)));
  }

  updatePending(input: PendingUpdate): Promise<boolean> {
    return this.#write(input.requestId, (client) => drive(client, updatePending(input)));
  }

  revokeGrant(input: RevokeGrant): Promise<{ grant: Grant; revoked: boolean } | null> {
    return this.#write(input.grantId, (client) => drive(client, revokeGrant(input)));
  }

  /**
   * From this node's grant cache while it hears other nodes' notices (grant-cache.ts); a grant the engine picks is
   * re-checked by the insert that uses it, in its transaction, so a revoke on any node counts at once.
   */
  liveGrants(queue: string, now: number): Promise<Grant[]> {
    this.#listen();
    return this.#grants.liveGrants(queue, now, (q, at) =>
      this.#rows<GrantRow>(`SELECT * FROM grants WHERE queue = $1 AND revoked_at IS NULL AND expires_at > $2 AND (max_uses IS NULL OR uses < max_uses) ORDER BY seq`, [q, at]),
    );
  }

  async listGrants(query: GrantQuery, queues: readonly string[] | null): Promise<StorePage<Grant>> {
    const params = new Params();
    const where: string[] = [];
    scopeFilter({ queues, principalId: null }, where, params);
    if (query.status) where.push(`${grantStatusSql(`${params.add(query.now)}::bigint`)} = ANY(${params.add(query.status)}::text[])`);
    for (const [column, value] of [
      ['queue', query.queue],
      ['tool_name', query.toolName],
      ['granted_by_id', query.grantedBy],
      ['from_request_id', query.fromRequestId],
    ] as const) {
      if (value !== undefined) where.push(`${column} = ${params.add(value)}`);
    }
    if (query.after !== undefined) where.push(`seq < ${params.add(query.after)}`);
    const rows = await this.#rows<GrantRow>(`SELECT * FROM grants ${whereClause(where)} ORDER BY seq DESC LIMIT ${params.add(query.limit + 1)}`, params.values);
    const items = rows.slice(0, query.limit);
    return { items: items.map((row) => toGrant(row, query.now)), next: rows.length > query.limit ? items.at(-1)!.seq : null };
  }

  async getGrant(grantId: string, queues: readonly string[] | null, now: number): Promise<Grant | null> {
    const params = new Params();
    const where = [`grant_id = ${params.add(grantId)}`];
    scopeFilter({ queues, principalId: null }, where, params);
    const row = (await this.#rows<GrantRow>(`SELECT * FROM grants ${whereClause(where)}`, params.values))[0];
    return row ? toGrant(row, now) : null;
  }

  dueEscalations(now: number, limit: number): Promise<StoredRequest[]> {
    return drive(this.#pool, reads.dueEscalations(now, limit));
  }

  nextEscalation(): Promise<number | null> {
    return drive(this.#pool, reads.nextEscalation());
  }

  claimOutbox(input: OutboxClaim): Promise<OutboxRow[]> {
    return drive(this.#pool, claimOutbox(input));
  }

  settleOutbox(input: OutboxSettle): Promise<boolean> {
    return drive(this.#pool, settleOutbox(input));
  }

  redeliverOutbox(id: string, now: number): Promise<OutboxRow | null> {
    return drive(this.#pool, redeliverOutbox(id, now));
  }

  async listOutbox(query: OutboxQuery): Promise<StorePage<OutboxRow>> {
    const params = new Params();
    const where: string[] = [];
    if (query.status !== undefined) where.push(`status = ${params.add(query.status)}`);
    if (query.channel !== undefined) where.push(`channel = ${params.add(query.channel)}`);
    if (query.requestId !== undefined) where.push(`request_id = ${params.add(query.requestId)}`);
    if (query.before !== undefined) where.push(`seq < ${params.add(query.before)}`);
    const rows = await this.#rows<OutboxDbRow>(`SELECT * FROM outbox ${whereClause(where)} ORDER BY seq DESC LIMIT ${params.add(query.limit + 1)}`, params.values);
    const items = rows.slice(0, query.limit).map(toOutboxRow);
    return { items, next: rows.length > query.limit ? items[items.length - 1]!.position : null };
  }

  async outboxOf(requestId: string, channel: string): Promise<OutboxRow[]> {
    return (await this.#rows<OutboxDbRow>('SELECT * FROM outbox WHERE request_id = $1 AND channel = $2 ORDER BY seq', [requestId, channel])).map(toOutboxRow);
  }

  async outboxCounts(): Promise<Record<OutboxStatus, number>> {
    const counts = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as Record<OutboxStatus, number>;
    for (const row of await this.#rows<{ status: OutboxStatus; n: number }>('SELECT status, COUNT(*)::bigint AS n FROM outbox GROUP BY status', [])) counts[row.status] = row.n;
    return counts;
  }

  /** Other nodes' committed changes, heard on a dedicated LISTEN connection (see change-listener.ts). */
  watch(listener: (change: StoreChange) => void): () => void {
    const own = (change: StoreChange) => listener(change);
    this.#watchers.add(own);
    this.#listen();
    return () => this.#watchers.delete(own);
  }

  async counts(): Promise<StoreCounts> {
    const pendingByQueue: Record<string, number> = {};
    for (const row of await this.#rows<{ queue: string; n: number }>(`SELECT name AS queue, n FROM pending_counts WHERE scope = 'queue' AND n > 0`, [])) {
      pendingByQueue[row.queue] = row.n;
    }
    const [undelivered] = await this.#rows<{ n: number }>('SELECT COUNT(*)::bigint AS n FROM deliveries', []);
    return { pendingByQueue, undelivered: undelivered?.n ?? 0 };
  }

  // ---- reads (each one statement: it sees every write whose promise has resolved, on any node) ----

  async #rows<R extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<R[]> {
    return (await this.#pool.query<R>(sql, values)).rows;
  }

  async getRequest(requestId: string, scope: ReadScope): Promise<StoredRequest | null> {
    const params = new Params();
    const where = [`request_id = ${params.add(requestId)}`];
    scopeFilter(scope, where, params);
    // The scope is part of the query: a row outside it is never read, let alone parsed.
    const row = (await this.#rows<ApprovalRow>(`SELECT * FROM approvals ${whereClause(where)}`, params.values))[0];
    return row ? { record: toRecord(row), principalId: row.principal_id, requestHash: row.request_hash } : null;
  }

  async listRequests(query: ListQuery, scope: ReadScope): Promise<StorePage<ApprovalRecord>> {
    const params = new Params();
    const where: string[] = [];
    scopeFilter(scope, where, params);
    if (query.status) where.push(`status = ANY(${params.add(query.status)}::text[])`);
    for (const [column, value] of [
      ['queue', query.queue],
      ['agent_name', query.agentName],
      ['tool_name', query.toolName],
      ['conversation_id', query.conversationId],
    ] as const) {
      if (value !== undefined) where.push(`${column} = ${params.add(value)}`);
    }
    if (query.q !== undefined) searchFilter(query.q, where, params);
    const byDecision = query.sort === 'decided';
    if (byDecision) {
      where.push('decided_at IS NOT NULL');
      if (query.after !== undefined) {
        // decided_at is written once, when the request leaves pending, so the last row still places the page.
        const after = params.add(query.after);
        where.push(`(decided_at, seq) < ((SELECT decided_at FROM approvals WHERE seq = ${after}), ${after})`);
      }
    } else if (query.after !== undefined) {
      where.push(`seq < ${params.add(query.after)}`);
    }
    const order = byDecision ? 'decided_at DESC, seq DESC' : 'seq DESC';
    const sql = `SELECT * FROM approvals ${whereClause(where)} ORDER BY ${order} LIMIT ${params.add(query.limit + 1)}`;
    const page = budgeted(await this.#rows<ApprovalRow>(sql, params.values), query.limit, query.maxBytes);
    return { items: page.rows.map(toRecord), next: page.more ? page.rows.at(-1)!.seq : null };
  }

  async listPending(queues: readonly string[] | null, query: PendingQuery): Promise<StorePage<ApprovalRecord, { expiresAt: number; position: number }>> {
    const params = new Params();
    const where = ["status = 'pending'"];
    scopeFilter({ queues, principalId: null }, where, params);
    if (query.after) {
      const at = params.add(query.after.expiresAt);
      where.push(`(expires_at > ${at} OR (expires_at = ${at} AND seq > ${params.add(query.after.position)}))`);
    }
    const sql = `SELECT * FROM approvals ${whereClause(where)} ORDER BY expires_at, seq LIMIT ${params.add(query.limit + 1)}`;
    const page = budgeted(await this.#rows<ApprovalRow>(sql, params.values), query.limit, query.maxBytes);
    const last = page.rows.at(-1);
    return { items: page.rows.map(toRecord), next: page.more && last ? { expiresAt: last.expires_at, position: last.seq } : null };
  }

  async undelivered(principalId: string, limit: number, afterPosition = 0): Promise<StorePage<ApprovalRecord>> {
    const rows = await this.#rows<ApprovalRow>(
      `SELECT a.* FROM deliveries d JOIN approvals a ON a.request_id = d.request_id
       WHERE d.principal_id = $1 AND a.seq > $2 ORDER BY a.seq LIMIT $3`,
      [principalId, afterPosition, limit + 1],
    );
    const items = rows.slice(0, limit);
    return { items: items.map(toRecord), next: rows.length > limit ? items.at(-1)!.seq : null };
  }

  due(now: number, limit: number): Promise<StoredRequest[]> {
    return drive(this.#pool, reads.due(now, limit));
  }

  nextDeadline(): Promise<number | null> {
    return drive(this.#pool, reads.nextDeadline());
  }

  async timeline(requestId: string): Promise<AuditEntry[]> {
    return (await this.#rows<AuditRow>('SELECT * FROM audit WHERE request_id = $1 ORDER BY seq', [requestId])).map(toAuditEntry);
  }

  async listAudit(query: AuditQuery, queues: readonly string[] | null): Promise<StorePage<AuditEntry>> {
    const params = new Params();
    const where: string[] = [];
    scopeFilter({ queues, principalId: null }, where, params);
    if (queues === null && !query.includeHubRows) where.push('queue IS NOT NULL');
    if (query.requestId !== undefined) where.push(`request_id = ${params.add(query.requestId)}`);
    if (query.type) where.push(`type = ANY(${params.add(query.type)}::text[])`);
    if (query.queue !== undefined) where.push(`queue = ${params.add(query.queue)}`);
    if (query.since !== undefined) where.push(`at >= ${params.add(new Date(query.since).toISOString())}`);
    if (query.until !== undefined) where.push(`at < ${params.add(new Date(query.until).toISOString())}`);
    if (query.after !== undefined) where.push(`seq < ${params.add(query.after)}`);
    const sql = `SELECT * FROM audit ${whereClause(where)} ORDER BY seq DESC LIMIT ${params.add(query.limit + 1)}`;
    const rows = await this.#rows<AuditRow>(sql, params.values);
    const items = rows.slice(0, query.limit);
    return { items: items.map(toAuditEntry), next: rows.length > query.limit ? items.at(-1)!.seq : null };
  }

  verifyAudit(input: VerifyInput): Promise<AuditVerifyResult> {
    return verifyPostgres(this.#pool, input);
  }

  auditHead(): Promise<AuditHead> {
    return readAuditHead(this.#pool);
  }

  decisionLinkUsed(linkId: string): Promise<boolean> {
    return drive(this.#pool, reads.decisionLinkUsed(linkId));
  }

  async secret(): Promise<Buffer> {
    if (this.#secret) return this.#secret;
    const row = (await this.#rows<{ value: Buffer }>(`SELECT value FROM meta WHERE key = 'secret'`, []))[0];
    if (!row) throw new StoreIntegrityError(`The database ${maskPostgresUrl(this.#url)} has no secret: it was changed outside the hub`);
    this.#secret = row.value;
    return row.value;
  }

  /** Fails when the database does; after a failed write it tries a real write, so health recovers with the database. */
  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
    if (this.#writeFailure) {
      await this.#pool.query(`INSERT INTO meta (key, value) VALUES ('write_probe', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [Buffer.from(String(Date.now()))]);
      this.#writeFailure = null;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopListening?.();
    this.#stopListening = null;
    this.#grants.enabled(false);
    await this.#batcher.drained();
    await this.#pool.end();
  }
}

export function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  return PostgresStore.open(options);
}
