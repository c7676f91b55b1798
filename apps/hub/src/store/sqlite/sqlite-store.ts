import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ApprovalRecord, AuditEntry, AuditHead, AuditVerifyResult, Grant } from '@approval-hub/protocol';
import Database, { type Database as Db } from 'better-sqlite3';
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
import type { OutboxClaim, OutboxQuery, OutboxRow, OutboxSettle, OutboxStatus } from '../outbox-store.js';
import { GrantCache } from '../grant-cache.js';
import { builtScript } from './built-script.js';
import { lockDatabase, type DatabaseLock } from './database-lock.js';
import { fileIdentity, type CreatedAnswer, type InTransactionCrashPoint } from './sqlite-writer.js';
import { WriterClient } from './writer-client.js';
import { SqliteSteps } from '../sql/run-sqlite.js';
import { transitionInput } from '../sql/operations/transition.js';
import * as audit from '../sql/reads/audit.js';
import * as deadlines from '../sql/reads/deadlines.js';
import * as grants from '../sql/reads/grants.js';
import * as meta from '../sql/reads/meta.js';
import * as outbox from '../sql/reads/outbox.js';
import * as requests from '../sql/reads/requests.js';

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
  /** Runs the shared reads (../sql/reads) on this read connection, each statement prepared once. */
  readonly #reads: SqliteSteps;
  readonly #identity: { dev: number; ino: number } | null;
  #writeFailure: Error | null = null;
  readonly #headRecorder: NodeJS.Timeout;
  #verifying: Promise<AuditVerifyResult> | null = null;
  #closed = false;
  /**
   * The live grants every arrival reads (grant-cache.ts). This process is the file's only writer (database-lock.ts),
   * so every write that can change a live grant passes through here and drops the copies it touches once it
   * committed, before its caller hears back: a grant made or revoked is seen by the next arrival, as with no cache.
   */
  readonly #grants = new GrantCache();

  private constructor(parts: { path: string; lock: DatabaseLock; writer: WriterClient; db: Db }) {
    this.#path = parts.path;
    this.#lock = parts.lock;
    this.#writer = parts.writer;
    this.#db = parts.db;
    this.#reads = new SqliteSteps(parts.db);
    this.#identity = parts.path === ':memory:' ? null : fileIdentity(parts.path);
    this.#headRecorder = setInterval(() => this.#recordHead(), HEAD_RECORD_MS);
    this.#headRecorder.unref();
    this.#grants.enabled(true);
  }

  /** Keeps the committed head beside the lock, for the integrity check at the next start. */
  #recordHead(): void {
    try {
      const head = this.#reads.read(audit.auditHead());
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

  #failed(error: Error): void {
    this.#writeFailure = error;
  }

  /** `grantQueues`: the queues whose live grants this write may change ('all' when not known before it runs). */
  async #write<T>(op: Parameters<WriterClient['write']>[0], grantQueues?: readonly string[] | 'all'): Promise<T> {
    try {
      const value = (await this.#writer.write(op)) as T;
      this.#writeFailure = null;
      return value;
    } catch (error) {
      this.#writeFailure = error as Error;
      throw error;
    } finally {
      // Committed or not (a failed write may still have committed before its answer was lost): the copies go.
      if (grantQueues === 'all') this.#grants.invalidateAll();
      else if (grantQueues) this.#grants.invalidate(grantQueues);
    }
  }

  // ---- writes ----

  async insertRequest(input: InsertRequest): Promise<InsertOutcome> {
    // A grant use counts one more use of it (the grant's queue is the request's).
    const outcome = await this.#write<InsertOutcome | CreatedAnswer>({ op: 'insert', input }, input.grantUse ? [input.record.queue] : undefined);
    return outcome.kind === 'created' ? { kind: 'created', record: input.record } : outcome;
  }

  transition(input: Transition): Promise<boolean> {
    // Only what the operation reads crosses to the writer thread: less to clone each way.
    return this.#write({ op: 'transition', input: transitionInput(input) }, input.grant ? [input.grant.queue] : undefined);
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
    return this.#write({ op: 'purgeSpent', input }, 'all');
  }

  updatePending(input: PendingUpdate): Promise<boolean> {
    return this.#write({ op: 'update', input });
  }

  revokeGrant(input: RevokeGrant): Promise<{ grant: Grant; revoked: boolean } | null> {
    return this.#write({ op: 'revoke', input }, 'all');
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

  // ---- reads (../sql/reads, on this read connection) ----

  liveGrants(queue: string, now: number): Promise<Grant[]> {
    return this.#grants.liveGrants(queue, now, async (q, at) => this.#reads.read(grants.liveGrantRowsOf(q, at)));
  }

  async listGrants(query: GrantQuery, queues: readonly string[] | null): Promise<StorePage<Grant>> {
    return this.#reads.read(grants.listGrants(query, queues));
  }

  async getGrant(grantId: string, queues: readonly string[] | null, now: number): Promise<Grant | null> {
    return this.#reads.read(grants.getGrant(grantId, queues, now));
  }

  async dueEscalations(now: number, limit: number): Promise<StoredRequest[]> {
    return this.#reads.read(deadlines.dueEscalations(now, limit));
  }

  async nextEscalation(): Promise<number | null> {
    return this.#reads.read(deadlines.nextEscalation());
  }

  async listOutbox(query: OutboxQuery): Promise<StorePage<OutboxRow>> {
    return this.#reads.read(outbox.listOutbox(query));
  }

  async outboxOf(requestId: string, channel: string): Promise<OutboxRow[]> {
    return this.#reads.read(outbox.outboxOf(requestId, channel));
  }

  async outboxCounts(): Promise<Record<OutboxStatus, number>> {
    return this.#reads.read(outbox.outboxCounts());
  }

  async counts(): Promise<StoreCounts> {
    return this.#reads.read(requests.counts());
  }

  async getRequest(requestId: string, scope: ReadScope): Promise<StoredRequest | null> {
    return this.#reads.read(requests.getRequest(requestId, scope));
  }

  async listRequests(query: ListQuery, scope: ReadScope): Promise<StorePage<ApprovalRecord>> {
    return this.#reads.read(requests.listRequests(query, scope));
  }

  async listPending(queues: readonly string[] | null, query: PendingQuery): Promise<StorePage<ApprovalRecord, { expiresAt: number; position: number }>> {
    return this.#reads.read(requests.listPending(queues, query));
  }

  async awaitingDelivery(principalIds: readonly string[]): Promise<string[]> {
    return this.#reads.read(requests.awaitingDelivery(principalIds));
  }

  async undelivered(principalId: string, limit: number, afterPosition = 0): Promise<StorePage<ApprovalRecord>> {
    return this.#reads.read(requests.undelivered(principalId, limit, afterPosition));
  }

  async due(now: number, limit: number): Promise<StoredRequest[]> {
    return this.#reads.read(deadlines.due(now, limit));
  }

  async nextDeadline(): Promise<number | null> {
    return this.#reads.read(deadlines.nextDeadline());
  }

  async timeline(requestId: string): Promise<AuditEntry[]> {
    return this.#reads.read(audit.timeline(requestId));
  }

  async listAudit(query: AuditQuery, queues: readonly string[] | null): Promise<StorePage<AuditEntry>> {
    return this.#reads.read(audit.listAudit(query, queues));
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
    return this.#reads.read(audit.auditHead());
  }

  async decisionLinkUsed(linkId: string): Promise<boolean> {
    return this.#reads.read(deadlines.decisionLinkUsed(linkId));
  }

  async secret(): Promise<Buffer> {
    const value = this.#reads.read(meta.secret());
    if (!value) throw new StoreIntegrityError(`The database ${this.#path} has no secret: it was not made by this hub`);
    return value;
  }

  /**
   * Fails when the database does: unreadable, deleted or replaced under the hub, or its last write failed. After a
   * failed write it tries a real write, so health recovers by itself when the database does.
   */
  async ping(): Promise<void> {
    this.#reads.read(meta.ping());
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
    this.#grants.enabled(false);
    await this.#writer.close();
    this.#recordHead();
    this.#db.close();
    this.#lock.release();
  }
}

export function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  return SqliteStore.open(options);
}
