import { randomBytes } from 'node:crypto';
import type { ApprovalRecord, AuditEntry, AuditHead, AuditVerifyResult, Grant } from '@approval-hub/protocol';
import type pg from 'pg';
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
  type ReadScope,
  type ChangeInterest,
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
import { drive, read } from '../sql/run-postgres.js';
import * as audit from '../sql/reads/audit.js';
import * as deadlines from '../sql/reads/deadlines.js';
import * as grants from '../sql/reads/grants.js';
import * as meta from '../sql/reads/meta.js';
import * as outbox from '../sql/reads/outbox.js';
import * as requests from '../sql/reads/requests.js';
import { transition } from '../sql/operations/transition.js';
import { insertRequest } from '../sql/operations/insert-request.js';
import { updatePending } from '../sql/operations/update-pending.js';
import type { OutboxClaim, OutboxQuery, OutboxRow, OutboxSettle, OutboxStatus } from '../outbox-store.js';
import { migrate } from './schema.js';
import { verifyPostgres } from './verify-postgres.js';
import { type ChainHead, QuotaExceededError, WriteBatcher } from './write-batch.js';
import type { WriteResult } from '../sql/tx.js';

export interface PostgresStoreOptions {
  url: string;
  /** Connections this node may hold (default 10). */
  poolSize?: number;
}

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
  /** Each watcher with what it needs the records of (undefined: everything). */
  readonly #watchers = new Map<(change: StoreChange) => void, ChangeInterest | undefined>();

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
        for (const watcher of this.#watchers.keys()) watcher(change);
      },
      wants: (change) => {
        for (const interest of this.#watchers.values()) if (!interest || interest(change)) return true;
        return false;
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
    return this.#grants.liveGrants(queue, now, (q, at) => read(this.#pool, grants.liveGrantRowsOf(q, at)));
  }

  listGrants(query: GrantQuery, queues: readonly string[] | null): Promise<StorePage<Grant>> {
    return read(this.#pool, grants.listGrants(query, queues));
  }

  getGrant(grantId: string, queues: readonly string[] | null, now: number): Promise<Grant | null> {
    return read(this.#pool, grants.getGrant(grantId, queues, now));
  }

  dueEscalations(now: number, limit: number): Promise<StoredRequest[]> {
    return read(this.#pool, deadlines.dueEscalations(now, limit));
  }

  nextEscalation(): Promise<number | null> {
    return read(this.#pool, deadlines.nextEscalation());
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

  listOutbox(query: OutboxQuery): Promise<StorePage<OutboxRow>> {
    return read(this.#pool, outbox.listOutbox(query));
  }

  outboxOf(requestId: string, channel: string): Promise<OutboxRow[]> {
    return read(this.#pool, outbox.outboxOf(requestId, channel));
  }

  outboxCounts(): Promise<Record<OutboxStatus, number>> {
    return read(this.#pool, outbox.outboxCounts());
  }

  /** Other nodes' committed changes, heard on a dedicated LISTEN connection (see change-listener.ts). */
  watch(listener: (change: StoreChange) => void, interest?: ChangeInterest): () => void {
    const own = (change: StoreChange) => listener(change);
    this.#watchers.set(own, interest);
    this.#listen();
    return () => this.#watchers.delete(own);
  }

  // ---- reads (../sql/reads, each one statement on the pool: it sees every write whose promise has resolved, on any node) ----

  counts(): Promise<StoreCounts> {
    return read(this.#pool, requests.counts());
  }

  getRequest(requestId: string, scope: ReadScope): Promise<StoredRequest | null> {
    return read(this.#pool, requests.getRequest(requestId, scope));
  }

  listRequests(query: ListQuery, scope: ReadScope): Promise<StorePage<ApprovalRecord>> {
    return read(this.#pool, requests.listRequests(query, scope));
  }

  listPending(queues: readonly string[] | null, query: PendingQuery): Promise<StorePage<ApprovalRecord, { expiresAt: number; position: number }>> {
    return read(this.#pool, requests.listPending(queues, query));
  }

  awaitingDelivery(principalIds: readonly string[]): Promise<string[]> {
    return read(this.#pool, requests.awaitingDelivery(principalIds));
  }

  undelivered(principalId: string, limit: number, afterPosition = 0): Promise<StorePage<ApprovalRecord>> {
    return read(this.#pool, requests.undelivered(principalId, limit, afterPosition));
  }

  due(now: number, limit: number): Promise<StoredRequest[]> {
    return read(this.#pool, deadlines.due(now, limit));
  }

  nextDeadline(): Promise<number | null> {
    return read(this.#pool, deadlines.nextDeadline());
  }

  timeline(requestId: string): Promise<AuditEntry[]> {
    return read(this.#pool, audit.timeline(requestId));
  }

  listAudit(query: AuditQuery, queues: readonly string[] | null): Promise<StorePage<AuditEntry>> {
    return read(this.#pool, audit.listAudit(query, queues));
  }

  verifyAudit(input: VerifyInput): Promise<AuditVerifyResult> {
    return verifyPostgres(this.#pool, input);
  }

  auditHead(): Promise<AuditHead> {
    return read(this.#pool, audit.auditHead());
  }

  decisionLinkUsed(linkId: string): Promise<boolean> {
    return read(this.#pool, deadlines.decisionLinkUsed(linkId));
  }

  /** Read once: it never changes once made. */
  async secret(): Promise<Buffer> {
    if (this.#secret) return this.#secret;
    const value = await read(this.#pool, meta.secret());
    if (!value) throw new StoreIntegrityError(`The database ${maskPostgresUrl(this.#url)} has no secret: it was changed outside the hub`);
    this.#secret = value;
    return value;
  }

  /** Fails when the database does; after a failed write it tries a real write, so health recovers with the database. */
  async ping(): Promise<void> {
    await read(this.#pool, meta.ping());
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
