import type { ApprovalRecord, ApprovalStatus, AuditEntry, AuditHead, AuditType, AuditVerifyResult, Grant, GrantStatus, Grantor } from '@approval-hub/protocol';
import type { AuditEvent } from '../audit/audit-events.js';
import type { OutboxEntry, OutboxStore } from './outbox-store.js';

/**
 * Which requests a read may return, decided by the engine's access rules and applied by the store before it
 * reads anything of size: `queues` null = every queue; `principalId` set = only that agent's own requests.
 */
export interface ReadScope {
  queues: readonly string[] | null;
  principalId: string | null;
}

export const EVERYTHING: ReadScope = { queues: null, principalId: null };

/** A request as stored, with who asked (decisions are delivered to that principal) and its idempotency hash. */
export interface StoredRequest {
  record: ApprovalRecord;
  principalId: string;
  requestHash: string;
}

export interface Quota {
  maxPendingPerAgent: number;
  maxPendingPerQueue: number;
}

export interface InsertRequest {
  /** Pending, or already decided (a policy decided it on arrival). */
  record: ApprovalRecord;
  principalId: string;
  requestHash: string;
  /** Queue the decision for delivery in the same transaction (set when `record` is already decided). */
  deliver: boolean;
  /** Applied only when the record is pending: counted inside the inserting transaction. */
  quota: Quota | null;
  audit: AuditEvent[];
  /**
   * A grant decided the request: count the use in the same transaction, and only if the grant is still live at `now`
   * (not revoked, not expired, under its `maxUses`); otherwise nothing is written (`grant_unavailable`).
   */
  grantUse?: { grantId: string; now: number } | undefined;
  /** Notifications to queue in the same transaction (only when the request is created). */
  outbox?: OutboxEntry[] | undefined;
}

export type InsertOutcome =
  | { kind: 'created'; record: ApprovalRecord }
  /** The grant was revoked, expired or used up since the engine read it: the engine matches again. */
  | { kind: 'grant_unavailable' }
  /** The requestId is taken: the engine tells an idempotent re-send from a conflict. */
  | { kind: 'existing'; stored: StoredRequest }
  | { kind: 'quota_exceeded'; scope: 'agent' | 'queue'; limit: number };

/** Moves one request out of `pending`, if it still is: the conditional statement every decision hangs on. */
export interface Transition {
  requestId: string;
  /** The whole record after the transition (its status is not `pending`). */
  record: ApprovalRecord;
  /** Queue the decision for delivery to this principal in the same transaction. */
  deliverTo: string | null;
  audit: AuditEvent[];
  /** When it happened, by the engine's clock (the audit rows' time). */
  at: string;
  /** Notifications to queue in the same transaction (only when the transition happens). */
  outbox?: OutboxEntry[] | undefined;
  /**
   * Spends this decision link in the same transaction: a link decides at most once, so when it was already spent
   * (or the request is no longer pending) nothing is written and the transition reports false.
   */
  linkUse?: LinkUse | undefined;
  /** A grant made with this decision: stored in the same transaction, only if the transition happens. */
  grant?: Grant | undefined;
  /**
   * The record as the engine read it, for the last approval of a quorum: the transition happens only if the request's
   * quorum is still exactly as read (no approval, edit or move slipped in between).
   */
  expect?: ApprovalRecord | undefined;
}

/** A signed decision link, spent by the decision it made (see `decision-links/`). */
export interface LinkUse {
  /** The link's own id (its `jti`), never the token. */
  linkId: string;
  /** The reviewer the link was issued to, who decided through it. */
  principalId: string;
  usedAt: string;
}

/**
 * Changes a request that stays pending (a partial quorum approval, an escalation): its `quorum`, `escalation` and
 * `queue` become `record`'s, only if the request is still pending and those three are still exactly `before`'s.
 */
export interface PendingUpdate {
  requestId: string;
  before: ApprovalRecord;
  record: ApprovalRecord;
  audit: AuditEvent[];
  at: string;
  /**
   * Spends this decision link in the same transaction (a partial quorum approval made through a link): when it was
   * already spent nothing is written and the update reports false, as for a transition.
   */
  linkUse?: LinkUse | undefined;
}

export interface GrantQuery {
  status?: GrantStatus[] | undefined;
  queue?: string | undefined;
  toolName?: string | undefined;
  grantedBy?: string | undefined;
  fromRequestId?: string | undefined;
  limit: number;
  after?: number | undefined;
  /** The engine's time: what is past `expiresAt` reads as `expired`. */
  now: number;
}

export interface RevokeGrant {
  grantId: string;
  /** The revoker's queues (null = all): a grant outside them is not found. */
  queues: readonly string[] | null;
  by: Grantor;
  at: string;
  now: number;
  audit: AuditEvent[];
}

export interface ListQuery {
  status?: ApprovalStatus[] | undefined;
  queue?: string | undefined;
  agentName?: string | undefined;
  toolName?: string | undefined;
  conversationId?: string | undefined;
  /**
   * Free text (bounded by the protocol): matches request id, run id, conversation id, tool name, agent label,
   * summary and the arguments' stored JSON, in part, case-insensitive for ASCII.
   */
  q?: string | undefined;
  /** `created` (default): newest request first. `decided`: only decided requests, most recently decided first. */
  sort?: 'created' | 'decided' | undefined;
  limit: number;
  /**
   * Position after which to continue (from the previous page's `next`). With `sort: 'decided'` it is the last
   * row's position too; its decision time (set once, never changed) places the continuation.
   */
  after?: number | undefined;
  /** Stop early once the page's stored size passes this many bytes (the last row still counts). */
  maxBytes: number;
}

export interface PendingQuery {
  limit: number;
  /** Continue after this (deadline, position) pair from the previous page. */
  after?: { expiresAt: number; position: number } | undefined;
  maxBytes: number;
}

export interface AuditQuery {
  requestId?: string | undefined;
  type?: AuditType[] | undefined;
  queue?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  limit: number;
  after?: number | undefined;
  /** Include hub-level rows (no queue): admins only. */
  includeHubRows: boolean;
}

/** A page whose continuation is a store position; the engine turns it into an opaque cursor. */
export interface StorePage<T, P = number> {
  items: T[];
  next: P | null;
}

/** What retention asks a store to remove (see `ApprovalStore.purgeDecided`). */
export interface PurgeDecided {
  /**
   * Epoch ms. A request qualifies when it is no longer `pending` and was resolved strictly before this: resolved at
   * `record.decision.decidedAt`, or, for a request without a decision (cancelled), at `record.expiresAt` (a cancel
   * always comes before the deadline, so this never purges one early).
   */
  resolvedBefore: number;
  /** At most this many requests in one call (one short transaction); the caller loops while it gets a full batch. */
  limit: number;
  /** Time of the `purged` audit row, by the engine's clock. */
  at: string;
}

/** What retention asks a store to remove besides requests (see `ApprovalStore.purgeSpent`). */
export interface PurgeSpent {
  /** Epoch ms: the retention cutoff, as for `PurgeDecided.resolvedBefore`. */
  before: number;
  /** At most this many rows of each kind in one call (one short transaction); the caller loops while one is full. */
  limit: number;
}

/** How many rows of each kind `purgeSpent` removed. */
export interface PurgedSpent {
  outbox: number;
  linkUses: number;
}

/** Counts for monitoring, read in one go; cheap (indexed), called on every metrics scrape. */
export interface StoreCounts {
  /** Pending requests per queue; queues with none are left out. */
  pendingByQueue: Record<string, number>;
  /** Decisions waiting for their agent's acknowledgement (the delivery backlog), all principals. */
  undelivered: number;
}

export interface VerifyInput {
  expectedHead?: { seq: number; hash: string } | undefined;
}

/**
 * Something another hub process sharing the database committed. Stores that several processes can open at once
 * (PostgreSQL) report these; the database stays the truth, a change only says what to re-read. `record` is the
 * request as read once the change was heard (one read for all the changes of one commit), and only when a watcher
 * wanted it (`ChangeInterest`): absent when no watcher did, or that read failed or found nothing, and then a
 * listener that wants it now reads for itself. A resolved change's record is never pending. `queue` is the request's
 * queue at that commit; `escalateAt` when its escalation falls due (null when none is pending).
 */
export type StoreChange =
  | { kind: 'requested'; requestId: string; expiresAt: number; queue: string; escalateAt: number | null; record?: ApprovalRecord }
  | { kind: 'resolved'; requestId: string; principalId: string; queue: string; record?: ApprovalRecord }
  /** Changes may have been missed (the listening connection was lost and came back): re-read what matters. */
  | { kind: 'resync' };

/** A request change another node committed, before its record is read. */
export type RemoteChange = Extract<StoreChange, { kind: 'requested' | 'resolved' }>;

/**
 * Whether a watcher needs the record of another node's change: for a socket, long-poll or reviewer on this node.
 * What nobody here waits for is not read at all; whoever starts waiting later reads the database itself.
 */
export type ChangeInterest = (change: RemoteChange) => boolean;

/**
 * Everything that must survive a restart, behind one narrow async boundary. Each write is one transaction that
 * resolves only after it committed; transitions are conditional, so two writers (or two nodes) can never both win.
 * The store decides nothing: the engine hands it records and audit events, the store persists them and chains the
 * audit rows, reading the chain head inside its own write transaction.
 */
export interface ApprovalStore extends OutboxStore {
  insertRequest(input: InsertRequest): Promise<InsertOutcome>;
  /** True when this call moved the request out of `pending`; false when it was no longer pending (someone else won). */
  transition(input: Transition): Promise<boolean>;
  /** Records that the agent received the decision; false if it already was (or was never queued). */
  markDelivered(requestId: string, principalId: string, audit: AuditEvent, at: string): Promise<boolean>;
  appendAudit(events: AuditEvent[], at: string): Promise<void>;
  /**
   * Retention: in ONE transaction, deletes up to `limit` qualifying requests (oldest position first) together with
   * their undelivered decisions (`deliveries`), and appends one audit row `purgedEvent(ids, resolvedBefore)` listing
   * them. Audit rows are never deleted. Resolves with the purged ids in position order; nothing qualifying = `[]`
   * and nothing written (no audit row). Afterwards `verifyAudit` still holds, and `getRequest`, lists, `undelivered`
   * and `counts` no longer see the purged requests (their `timeline` stays).
   */
  purgeDecided(input: PurgeDecided): Promise<string[]>;
  /**
   * Retention of what requests leave behind, in ONE transaction without an audit row (neither is audited data):
   * up to `limit` outbox rows that are settled (`delivered`, `dead` or `skipped`), last due and attempted before the
   * cutoff, and up to `limit` spent decision links used before the cutoff, both only when their request is no
   * longer stored (purged). Pending outbox rows and the rows of stored requests stay, so a live Slack thread keeps
   * its message and a link of a stored request stays spent.
   */
  purgeSpent(input: PurgeSpent): Promise<PurgedSpent>;
  /** True when the request was still pending and as `before` said, and now holds `record`'s quorum, escalation and queue. */
  updatePending(input: PendingUpdate): Promise<boolean>;
  /**
   * Revokes a grant in one conditional statement, with its audit rows. Null when no grant of that id is within
   * `queues`; `revoked: false` when it already was revoked (nothing written).
   */
  revokeGrant(input: RevokeGrant): Promise<{ grant: Grant; revoked: boolean } | null>;

  /** Grants of `queue` that can still decide a request at `now` (not revoked, not expired, not used up). */
  liveGrants(queue: string, now: number): Promise<Grant[]>;
  /** Grants within `queues` (null = all), newest first. */
  listGrants(query: GrantQuery, queues: readonly string[] | null): Promise<StorePage<Grant>>;
  getGrant(grantId: string, queues: readonly string[] | null, now: number): Promise<Grant | null>;
  /** Pending requests whose escalation time is at or before `now`, earliest first. */
  dueEscalations(now: number, limit: number): Promise<StoredRequest[]>;
  nextEscalation(): Promise<number | null>;

  getRequest(requestId: string, scope: ReadScope): Promise<StoredRequest | null>;
  listRequests(query: ListQuery, scope: ReadScope): Promise<StorePage<ApprovalRecord>>;
  listPending(queues: readonly string[] | null, query: PendingQuery): Promise<StorePage<ApprovalRecord, { expiresAt: number; position: number }>>;
  /** Decisions waiting for `principalId`'s acknowledgement, oldest first, at most `limit`, after `afterPosition`. */
  undelivered(principalId: string, limit: number, afterPosition?: number): Promise<StorePage<ApprovalRecord>>;
  /** Which of these principals have a decision waiting for their acknowledgement (one read for a node's agents). */
  awaitingDelivery(principalIds: readonly string[]): Promise<string[]>;
  /** Pending requests whose deadline is at or before `now`, earliest first. */
  due(now: number, limit: number): Promise<StoredRequest[]>;
  nextDeadline(): Promise<number | null>;
  timeline(requestId: string): Promise<AuditEntry[]>;
  listAudit(query: AuditQuery, queues: readonly string[] | null): Promise<StorePage<AuditEntry>>;
  verifyAudit(input: VerifyInput): Promise<AuditVerifyResult>;
  auditHead(): Promise<AuditHead>;
  counts(): Promise<StoreCounts>;
  /** True when this decision link has already decided its request (it was spent in that decision's transaction). */
  decisionLinkUsed(linkId: string): Promise<boolean>;
  /** A secret kept with the data (made once), for keys that must survive restarts, such as cursor encryption. */
  secret(): Promise<Buffer>;
  /**
   * Changes committed by other processes on the same database, for as long as the returned function is not called.
   * Absent on stores that only one process may open (SQLite: one writer per file). `interest`: which changes this
   * listener needs the record of (all, when absent); a record is read when any listener needs it.
   */
  watch?(listener: (change: StoreChange) => void, interest?: ChangeInterest): () => void;
  /** Resolves when the database answers; rejects with the reason it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by a store whose database is not the one it opened (deleted, replaced, or its chain restarted). */
export class StoreIntegrityError extends Error {
  override name = 'StoreIntegrityError';
}

/** Thrown when a store cannot reach or open its database at start (unreachable server, bad credentials, no such database). */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}
