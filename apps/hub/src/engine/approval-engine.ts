import { createHash } from 'node:crypto';
import {
  DEFAULT_QUEUE,
  DEFAULT_SNAPSHOT_PAGE,
  fail,
  ok,
  type Ack,
  type ApprovalCancelled,
  type ApprovalDetail,
  type ApprovalListQuery,
  type ApprovalRecord,
  type ApprovalRequestInput,
  type AuditEntry,
  type AuditHead,
  type AuditListQuery,
  type AuditVerifyResult,
  type Decision,
  type Page,
  type Principal,
  type ReviewerDecision,
} from '@approval-hub/protocol';
import { auditEvent } from '../audit/audit-events.js';
import { canonicalJson } from '../audit/canonical-json.js';
import type { Clock } from '../clock.js';
import { toIso } from '../clock.js';
import type { HubConfig } from '../config.js';
import type { CrashHook } from '../crash-hook.js';
import type { Logger } from '../logger.js';
import type { RejectionAuditor } from '../rejection-audit.js';
import { EVERYTHING, StoreIntegrityError, type ApprovalStore, type LinkUse, type StoredRequest } from '../store/store.js';
import { actorOf, auditEntryFor, defaultQueueFor, mayCancel, mayDecide, mayPostTo, readScope, reviewerQueues, seesWholeAudit } from './access.js';
import { argsDigest } from './args-digest.js';
import { CursorCodec, isDeadlinePosition, isPosition } from './cursors.js';
import { DeadlineTimer } from './deadline-timer.js';
import { RetentionTimer } from './retention-timer.js';
import { expiryTime } from './expiry-time.js';
import { matchPolicy } from './policies.js';
import { effectiveRisk } from './risk-rules.js';
import { scanRequest } from './suspicious-request.js';

export const TIMEOUT_REASON = 'Approval timed out';

/** Where a change was made: by this process, or by another hub process sharing the database. */
export type ChangeOrigin = 'here' | 'elsewhere';

export interface EngineEvents {
  /** A new pending request, committed here. (Other nodes' requests reach reviewers through the Socket.IO adapter.) */
  requested: (record: ApprovalRecord) => void;
  /** A request left `pending` (decision, policy, timeout or cancel), committed here or by another node. */
  resolved: (record: ApprovalRecord, principalId: string, origin: ChangeOrigin) => void;
  /** Another node's changes may have been missed: re-read what is waiting (undelivered decisions, long-polls). */
  resync: () => void;
  /** A request was cancelled, committed: `principalId` is the agent that asked (its other processes stop waiting). */
  cancelled: (notice: ApprovalCancelled, principalId: string) => void;
  /** Retention removed this many decided requests (one batch), committed. */
  purged: (count: number) => void;
}

type Listeners = { [K in keyof EngineEvents]: EngineEvents[K][] };

export interface RequestOutcome {
  ack: Ack<ApprovalRecord>;
  /** True when this call made the request; false for an idempotent re-send (or a refusal). */
  created: boolean;
}

/** How a decision arrived when it came through a signed decision link (see `decision-links/`). */
export interface DecideOptions {
  /** The arguments' digest the link was issued for: a request whose arguments differ is not decided (`conflict`). */
  expectedArgsDigest?: string;
  /** Spent in the decision's own transaction: a link decides once. */
  linkUse?: LinkUse;
}

export type Health = { ok: true } | { ok: false; reason: string };

export interface PendingPage {
  pending: ApprovalRecord[];
  nextCursor: string | null;
}

/** How many due requests one expiry pass takes at a time. */
const EXPIRY_BATCH = 500;
/** With other nodes on the database, re-read what is waiting this often, for any change notice that was missed. */
const CLUSTER_SWEEP_MS = 15_000;

/**
 * The approval rules, independent of transport and database: sockets and REST both call it and get an `Ack`; the
 * store only persists what it decides. Unexpected errors (a failing database) are thrown for the caller's boundary
 * to turn into `internal`.
 */
export class ApprovalEngine {
  readonly #store: ApprovalStore;
  readonly #clock: Clock;
  readonly #log: Logger;
  #config: HubConfig;
  #expiryNow: () => number;
  readonly #listeners: Listeners = { requested: [], resolved: [], resync: [], cancelled: [], purged: [] };
  #unwatch: (() => void) | null = null;
  #sweep: NodeJS.Timeout | null = null;
  readonly #deadlines: DeadlineTimer;
  readonly #retention: RetentionTimer;
  readonly #crash: CrashHook;
  #cursors: CursorCodec | null = null;
  #auditor: RejectionAuditor | null = null;

  constructor(options: { store: ApprovalStore; clock: Clock; config: HubConfig; logger: Logger; crashHook?: CrashHook | undefined }) {
    this.#store = options.store;
    this.#crash = options.crashHook ?? (() => {});
    this.#clock = options.clock;
    this.#log = options.logger;
    this.#config = options.config;
    this.#expiryNow = expiryTime(this.#clock, this.#config.approval.clockStepToleranceMs);
    this.#deadlines = new DeadlineTimer({
      now: () => this.#expiryNow(),
      next: () => this.#store.nextDeadline(),
      fire: () => this.expireDue(),
      onError: (error) => this.#log.error({ err: error }, 'deadline check failed; retrying'),
    });
    this.#retention = new RetentionTimer({
      intervalMs: () => this.#config.retention?.intervalMs ?? null,
      run: () => this.purgeDecided(),
      onError: (error) => this.#log.error({ err: error }, 'retention purge failed; retrying at the next run'),
    });
  }

  /** Where refused attempts are recorded (against the principal that made them, rate-limited). */
  useAuditor(auditor: RejectionAuditor): void {
    this.#auditor = auditor;
  }

  on<K extends keyof EngineEvents>(event: K, listener: EngineEvents[K]): void {
    this.#listeners[event].push(listener);
  }

  #emit<K extends keyof EngineEvents>(event: K, ...args: Parameters<EngineEvents[K]>): void {
    for (const listener of this.#listeners[event]) {
      try {
        (listener as (...a: Parameters<EngineEvents[K]>) => void)(...args);
      } catch (error) {
        this.#log.error({ err: error, event }, 'engine listener failed');
      }
    }
  }

  /** Expires what fell due while the hub was down, then keeps the deadline timer running. */
  async start(): Promise<void> {
    this.#cursors = new CursorCodec(await this.#store.secret());
    if (this.#config.approval.defaultOnTimeout === 'approve') {
      this.#log.warn(
        { event: 'config.dangerous', key: 'approval.defaultOnTimeout' },
        'approval.defaultOnTimeout is "approve": any request nobody decides in time is APPROVED. Prefer "deny".',
      );
    }
    await this.expireDue();
    this.#deadlines.start();
    this.#watchOtherNodes();
    this.#retention.start();
  }

  stop(): void {
    this.#deadlines.stop();
    this.#retention.stop();
    this.#unwatch?.();
    this.#unwatch = null;
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = null;
  }

  /**
   * Several hubs on one database: another node's decision must reach this node's agents and long-polls, and its
   * deadlines must be watched here too (whichever node's conditional transition wins expires it, once).
   */
  #watchOtherNodes(): void {
    if (!this.#store.watch || this.#unwatch) return;
    this.#unwatch = this.#store.watch((change) => {
      switch (change.kind) {
        case 'requested':
          this.#deadlines.consider(change.expiresAt);
          return;
        case 'resolved':
          void this.settledRecord(change.requestId)
            .then((record) => record && this.#emit('resolved', record, change.principalId, 'elsewhere'))
            .catch((error: unknown) => this.#log.error({ err: error, requestId: change.requestId }, "could not read another node's decision; the sweep retries"));
          return;
        case 'resync':
          this.#emit('resync');
          return;
      }
    });
    this.#sweep = setInterval(() => this.#emit('resync'), CLUSTER_SWEEP_MS);
    this.#sweep.unref();
  }

  updateConfig(config: HubConfig): void {
    if (config.approval.clockStepToleranceMs !== this.#config.approval.clockStepToleranceMs) {
      this.#expiryNow = expiryTime(this.#clock, config.approval.clockStepToleranceMs);
    }
    this.#config = config;
  }

  get approvalConfig(): HubConfig['approval'] {
    return this.#config.approval;
  }

  get #codec(): CursorCodec {
    if (!this.#cursors) throw new Error('engine not started');
    return this.#cursors;
  }

  #timeoutDecision(record: ApprovalRecord, now: number): Decision {
    return {
      approved: this.#config.approval.defaultOnTimeout === 'approve',
      reason: TIMEOUT_REASON,
      args: record.args,
      modified: false,
      decidedBy: { kind: 'timeout' },
      // Never dated before the deadline, even when the wall clock stepped back.
      decidedAt: toIso(Math.max(now, Date.parse(record.expiresAt))),
    };
  }

  #minTimeoutFor(queue: string): number {
    return this.#config.queues.find((q) => q.name === queue)?.minTimeoutMs ?? this.#config.approval.minTimeoutMs;
  }

  // ---- agents ----

  async request(principal: Principal, input: ApprovalRequestInput): Promise<RequestOutcome> {
    const refuse = (ack: Ack<ApprovalRecord>): RequestOutcome => ({ ack, created: false });
    const approval = this.#config.approval;
    const queue = input.queue ?? defaultQueueFor(principal, DEFAULT_QUEUE);
    if (!mayPostTo(principal, queue)) {
      return refuse(fail('forbidden', `This agent token may not post to queue "${queue}"`, { queue }));
    }
    if (this.#config.queues.length > 0 && !this.#config.queues.some((q) => q.name === queue)) {
      return refuse(fail('invalid_payload', `Unknown queue "${queue}": this hub accepts ${this.#config.queues.map((q) => q.name).join(', ')}`, { fieldErrors: { queue: ['unknown queue'] } }));
    }
    const minTimeoutMs = this.#minTimeoutFor(queue);
    const timeoutMs = input.timeoutMs ?? Math.max(approval.defaultTimeoutMs, minTimeoutMs);
    if (timeoutMs > approval.maxTimeoutMs) {
      return refuse(fail('invalid_payload', `timeoutMs must be at most ${approval.maxTimeoutMs}`, { fieldErrors: { timeoutMs: [`at most ${approval.maxTimeoutMs}`] } }));
    }
    if (timeoutMs < minTimeoutMs) {
      return refuse(fail('invalid_payload', `timeoutMs must be at least ${minTimeoutMs} in queue "${queue}"`, { fieldErrors: { timeoutMs: [`at least ${minTimeoutMs}`] } }));
    }
    const now = this.#clock.now();
    const record: ApprovalRecord = {
      requestId: input.requestId,
      status: 'pending',
      toolName: input.toolName,
      args: input.args,
      agent: { id: principal.id, name: principal.name },
      agentName: input.agentName ?? principal.name,
      runId: input.runId,
      queue,
      createdAt: toIso(now),
      expiresAt: toIso(now + timeoutMs),
    };
    if (input.conversationId !== undefined) record.conversationId = input.conversationId;
    if (input.description !== undefined) record.description = input.description;
    if (input.summary !== undefined) record.summary = input.summary;
    if (input.context !== undefined) record.context = input.context;
    const risk = effectiveRisk(approval.risk, principal, record, input.risk);
    if (input.risk !== undefined) record.agentRisk = input.risk;
    if (risk.risk !== undefined) record.risk = risk.risk;
    if (risk.raisedBy !== undefined) record.riskRule = risk.raisedBy;
    // Scanned once, here: every client shows the same warnings, whatever its own text handling.
    record.suspicious = scanRequest(record);

    const agent = actorOf(principal);
    const audit = [
      auditEvent('requested', record.requestId, queue, agent, {
        toolName: record.toolName,
        agentName: record.agentName,
        runId: record.runId,
        conversationId: record.conversationId,
        args: record.args,
        expiresAt: record.expiresAt,
        risk: record.risk,
        agentRisk: record.agentRisk,
        suspicious: record.suspicious.length > 0 ? [...new Set(record.suspicious.map((f) => f.kind))] : undefined,
      }),
    ];
    const policy = matchPolicy(approval.policies, principal, record);
    if (policy) {
      record.status = policy.action === 'approve' ? 'approved' : 'denied';
      record.decision = {
        approved: policy.action === 'approve',
        args: record.args,
        modified: false,
        decidedBy: { kind: 'policy', rule: policy.rule },
        decidedAt: record.createdAt,
      };
      if (policy.reason !== undefined) record.decision.reason = policy.reason;
      record.resolvedAt = record.createdAt;
      audit.push(auditEvent(record.decision.approved ? 'auto_approved' : 'auto_denied', record.requestId, queue, { kind: 'policy', rule: policy.rule }, { reason: policy.reason }));
    }

    const requestHash = createHash('sha256')
      .update(canonicalJson({ ...input, principal: principal.id }))
      .digest('hex');
    const limits = this.#config.limits;
    const outcome = await this.#store.insertRequest({
      record,
      principalId: principal.id,
      requestHash,
      deliver: policy !== undefined,
      quota: { maxPendingPerAgent: limits.maxPendingPerAgent, maxPendingPerQueue: limits.maxPendingPerQueue },
      audit,
    });
    switch (outcome.kind) {
      case 'existing': {
        const same = outcome.stored.principalId === principal.id && outcome.stored.requestHash === requestHash;
        if (!same) return refuse(fail('conflict', `requestId ${input.requestId} was already used for a different request`));
        return { ack: ok(outcome.stored.record), created: false };
      }
      case 'quota_exceeded': {
        const message =
          outcome.scope === 'agent'
            ? `This agent already has ${outcome.limit} pending requests (limits.maxPendingPerAgent); wait for decisions or cancel some`
            : `Queue "${queue}" already holds ${outcome.limit} pending requests (limits.maxPendingPerQueue)`;
        this.#auditor?.refused(principal, 'approval.request', 'quota_exceeded', message);
        return refuse(fail('quota_exceeded', message, { scope: outcome.scope, limit: outcome.limit }));
      }
      case 'created':
        break;
    }
    this.#crash('request.after-commit');
    this.#log.info(
      { event: 'approval.requested', requestId: record.requestId, toolName: record.toolName, principal: principal.id, queue, status: record.status },
      'approval requested',
    );
    if (record.status === 'pending') {
      this.#deadlines.consider(now + timeoutMs);
      this.#emit('requested', record);
      this.#crash('request.after-forward');
    } else {
      this.#emit('resolved', record, principal.id, 'here');
    }
    return { ack: ok(record), created: true };
  }

  async cancel(principal: Principal, requestId: string, reason: string | undefined): Promise<Ack<ApprovalRecord>> {
    if (!mayCancel(principal)) return fail('forbidden', `Not allowed for the ${principal.role} role`);
    const stored = await this.#store.getRequest(requestId, readScope(principal));
    if (!stored) return fail('not_found', `No request ${requestId} of yours`);
    if (stored.record.status !== 'pending') return fail('already_decided', 'The request was already decided', stored.record);
    const { decision: _none, ...rest } = stored.record;
    const at = toIso(this.#clock.now());
    const record: ApprovalRecord = { ...rest, status: 'cancelled', resolvedAt: at };
    const moved = await this.#store.transition({
      requestId,
      record,
      deliverTo: null,
      at,
      audit: [auditEvent('cancelled', requestId, record.queue, actorOf(principal), { reason })],
    });
    if (!moved) {
      const now = await this.#store.getRequest(requestId, readScope(principal));
      return fail('already_decided', 'The request was already decided', now?.record ?? stored.record);
    }
    this.#log.info({ event: 'approval.cancelled', requestId, agent: principal.id }, 'approval cancelled');
    this.#emit('resolved', record, stored.principalId, 'here');
    this.#emit('cancelled', { requestId, status: 'cancelled', ...(reason !== undefined && { reason }), cancelledAt: at }, stored.principalId);
    return ok(record);
  }

  /** The current record of each of the agent's own requests; unknown ids are left out. */
  async sync(principal: Principal, requestIds: readonly string[]): Promise<Ack<ApprovalRecord[]>> {
    const scope = readScope(principal);
    const records: ApprovalRecord[] = [];
    for (const id of requestIds) {
      const stored = await this.#store.getRequest(id, scope);
      if (stored) records.push(stored.record);
    }
    return ok(records);
  }

  /** One page of decisions still waiting for this agent's acknowledgement, after `afterPosition`. */
  undelivered(principal: Principal, limit: number, afterPosition?: number) {
    return this.#store.undelivered(principal.id, limit, afterPosition);
  }

  async markDelivered(requestId: string, principal: Principal): Promise<void> {
    const delivered = await this.#store.markDelivered(requestId, principal.id, auditEvent('delivered', requestId, null, actorOf(principal), {}), toIso(this.#clock.now()));
    if (delivered) this.#log.info({ event: 'approval.delivered', requestId, agent: principal.id }, 'decision delivered');
  }

  // ---- reviewers ----

  async decide(principal: Principal, input: ReviewerDecision, options: DecideOptions = {}): Promise<Ack<ApprovalRecord>> {
    if (!mayDecide(principal)) return fail('forbidden', `Not allowed for the ${principal.role} role`);
    // The moment the decision arrived is what counts against the deadline, whatever the reads cost after it.
    const now = this.#clock.now();
    const arrivedAt = this.#expiryNow();
    const attempt = { approved: input.approved, edited: input.args !== undefined };
    // The scope is applied by the read itself: outside it, a request is indistinguishable from a missing one.
    const stored = await this.#store.getRequest(input.requestId, readScope(principal));
    if (!stored) {
      // Recorded against the reviewer, never in the timeline of a request it cannot see.
      await this.#auditor?.rejectedDecision(principal, null, null, { ...attempt, code: 'not_found', attemptedRequestId: input.requestId });
      return fail('not_found', `No request ${input.requestId} in your queues`);
    }
    const settled = await this.#settled(principal, stored, attempt, input.reason, arrivedAt, now);
    if (settled) return settled;
    if (options.expectedArgsDigest !== undefined && argsDigest(stored.record.args) !== options.expectedArgsDigest) {
      return fail('conflict', 'The arguments are not the ones this link was issued for; nothing was decided');
    }

    const original = stored.record;
    const modified = input.approved && input.args !== undefined && canonicalJson(input.args) !== canonicalJson(original.args);
    const decision: Decision = {
      approved: input.approved,
      args: modified ? input.args! : original.args,
      modified,
      decidedBy: { kind: 'reviewer', id: principal.id, name: principal.name },
      decidedAt: toIso(now),
    };
    if (input.reason !== undefined) decision.reason = input.reason;
    const record: ApprovalRecord = { ...original, status: input.approved ? 'approved' : 'denied', decision, resolvedAt: decision.decidedAt };
    const moved = await this.#store.transition({
      requestId: original.requestId,
      record,
      deliverTo: stored.principalId,
      at: decision.decidedAt,
      ...(options.linkUse && { linkUse: options.linkUse }),
      audit: [
        auditEvent('decided', original.requestId, original.queue, actorOf(principal), {
          approved: decision.approved,
          reason: decision.reason,
          modified,
          args: modified ? decision.args : undefined,
          via: options.linkUse ? 'decision_link' : undefined,
        }),
      ],
    });
    if (!moved) {
      // Someone else won between the read and the conditional write: report what they did.
      const after = await this.#store.getRequest(original.requestId, readScope(principal));
      const lost = after && (await this.#settled(principal, after, attempt, input.reason, arrivedAt, now));
      return lost || fail('already_decided', 'Another decision was made first', after?.record ?? original);
    }
    this.#crash('decision.after-commit');
    this.#log.info(
      { event: 'approval.decided', requestId: original.requestId, status: record.status, reviewer: principal.id, modified },
      'approval decided',
    );
    this.#emit('resolved', record, stored.principalId, 'here');
    return ok(record);
  }

  /** The answer for a decision on a request that is no longer open: expired (by deadline) or decided by someone else. */
  async #settled(
    principal: Principal,
    stored: StoredRequest,
    attempt: { approved: boolean; edited: boolean },
    reason: string | undefined,
    arrivedAt: number,
    now: number,
  ): Promise<Ack<ApprovalRecord> | null> {
    const { record } = stored;
    // Audited before the answer, so a client that hears it can find the attempt in the log.
    const reject = (code: 'expired' | 'already_decided') => this.#auditor?.rejectedDecision(principal, record.requestId, record.queue, { ...attempt, reason, code });
    if (record.status === 'expired') {
      await reject('expired');
      return fail('expired', 'The request expired before this decision arrived', record);
    }
    if (record.status !== 'pending') {
      await reject('already_decided');
      return fail('already_decided', 'Another decision was made first', record);
    }
    if (arrivedAt >= Date.parse(record.expiresAt)) {
      const expired = await this.#expire(stored, now);
      await reject('expired');
      return fail('expired', 'The request expired before this decision arrived', expired ?? record);
    }
    return null;
  }

  /** Expires one request; null when it had already left `pending`. */
  async #expire(stored: StoredRequest, now: number): Promise<ApprovalRecord | null> {
    const decision = this.#timeoutDecision(stored.record, now);
    const record: ApprovalRecord = { ...stored.record, status: 'expired', decision, resolvedAt: decision.decidedAt };
    const moved = await this.#store.transition({
      requestId: record.requestId,
      record,
      deliverTo: stored.principalId,
      at: decision.decidedAt,
      audit: [auditEvent('expired', record.requestId, record.queue, { kind: 'timeout' }, { approved: decision.approved, reason: decision.reason, expiresAt: record.expiresAt })],
    });
    if (!moved) return null;
    this.#log.info({ event: 'approval.expired', requestId: record.requestId, approved: decision.approved }, 'approval expired');
    this.#emit('resolved', record, stored.principalId, 'here');
    return record;
  }

  /** Expires every request whose deadline has passed by the hub's (bounded) clock; also callable from tests. */
  async expireDue(): Promise<ApprovalRecord[]> {
    const expired: ApprovalRecord[] = [];
    for (;;) {
      const now = this.#clock.now();
      const due = await this.#store.due(this.#expiryNow(), EXPIRY_BATCH);
      if (due.length === 0) break;
      const results = await Promise.all(due.map((stored) => this.#expire(stored, now)));
      this.#crash('deadline.after-commit');
      let progressed = false;
      for (const record of results) {
        if (record) {
          expired.push(record);
          progressed = true;
        }
      }
      if (!progressed) break;
    }
    return expired;
  }

  // ---- retention ----

  /**
   * Purges requests resolved more than `retention.decidedAfterDays` ago, one short batch (one transaction) at a time,
   * yielding between batches so decisions and requests interleave. Returns how many went; 0 when retention is off.
   */
  async purgeDecided(): Promise<number> {
    let total = 0;
    for (;;) {
      const retention = this.#config.retention;
      if (!retention) break;
      const now = this.#clock.now();
      const resolvedBefore = now - retention.decidedAfterDays * 86_400_000;
      const ids = await this.#store.purgeDecided({ resolvedBefore, limit: retention.batchSize, at: toIso(now) });
      if (ids.length > 0) this.#emit('purged', ids.length);
      total += ids.length;
      if (ids.length < retention.batchSize) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (total > 0) this.#log.info({ event: 'retention.purged', count: total }, 'purged decided requests past retention');
    return total;
  }

  // ---- reads ----

  /** A record as the principal may see it: reviewers within their queues, agents their own. */
  /** The record once it has left `pending`, else null: for waking waiters that were authorized when they began. */
  async settledRecord(requestId: string): Promise<ApprovalRecord | null> {
    const stored = await this.#store.getRequest(requestId, EVERYTHING);
    return stored && stored.record.status !== 'pending' ? stored.record : null;
  }

  async visibleRecord(principal: Principal, requestId: string): Promise<ApprovalRecord | null> {
    return (await this.#store.getRequest(requestId, readScope(principal)))?.record ?? null;
  }

  async detail(principal: Principal, requestId: string): Promise<Ack<ApprovalDetail>> {
    const record = await this.visibleRecord(principal, requestId);
    if (!record) return fail('not_found', `No request ${requestId} visible to you`);
    const timeline = (await this.#store.timeline(requestId)).map((entry) => auditEntryFor(principal, entry));
    return ok({ ...record, timeline });
  }

  async list(principal: Principal, query: ApprovalListQuery): Promise<Page<ApprovalRecord>> {
    // History reads in the order it shows: by decision time, with its own cursor kind so the two never mix.
    const byDecision = query.sort === 'decided';
    const kind = byDecision ? 'approvals:decided' : 'approvals';
    const cursor = query.cursor;
    const page = await this.#store.listRequests(
      {
        status: query.status,
        queue: query.queue,
        agentName: query.agentName,
        toolName: query.toolName,
        conversationId: query.conversationId,
        q: query.q,
        sort: query.sort,
        limit: query.limit,
        after: cursor === undefined ? undefined : this.#codec.decode(kind, cursor, isPosition),
        maxBytes: this.#config.limits.maxPageBytes,
      },
      readScope(principal),
    );
    return { items: page.items, nextCursor: page.next === null ? null : this.#codec.encode(kind, page.next) };
  }

  /** One page of what is pending in `queues` (null = all), by deadline. */
  async pendingPage(queues: readonly string[] | null, options: { limit?: number | undefined; cursor?: string | undefined }): Promise<PendingPage> {
    const kind = `pending:${queues === null ? '*' : [...queues].sort().join(',')}`;
    const after = options.cursor === undefined ? undefined : this.#codec.decode(kind, options.cursor, isDeadlinePosition);
    const page = await this.#store.listPending(queues, { limit: options.limit ?? DEFAULT_SNAPSHOT_PAGE, after, maxBytes: this.#config.limits.maxPageBytes });
    return { pending: page.items, nextCursor: page.next === null ? null : this.#codec.encode(kind, page.next) };
  }

  async listAudit(principal: Principal, query: AuditListQuery): Promise<Page<AuditEntry>> {
    const after = query.cursor === undefined ? undefined : this.#codec.decode('audit', query.cursor, isPosition);
    const page = await this.#store.listAudit(
      {
        requestId: query.requestId,
        type: query.type,
        queue: query.queue,
        since: query.since,
        until: query.until,
        limit: query.limit,
        after,
        includeHubRows: seesWholeAudit(principal),
      },
      reviewerQueues(principal),
    );
    return { items: page.items.map((entry) => auditEntryFor(principal, entry)), nextCursor: page.next === null ? null : this.#codec.encode('audit', page.next) };
  }

  async verifyAudit(principal: Principal, expectedHead?: { seq: number; hash: string }): Promise<Ack<AuditVerifyResult>> {
    if (!seesWholeAudit(principal)) return fail('forbidden', 'Only admins may verify the audit chain');
    return ok(await this.#store.verifyAudit({ expectedHead }));
  }

  async auditHead(principal: Principal): Promise<Ack<AuditHead>> {
    if (!seesWholeAudit(principal)) return fail('forbidden', 'Only admins may read the audit head');
    return ok(await this.#store.auditHead());
  }

  /** Whether the hub can do its job: the database answers and takes writes, and is still the one it opened. */
  async health(): Promise<Health> {
    try {
      await this.#store.ping();
      return { ok: true };
    } catch (error) {
      this.#log.error({ err: error }, 'health check: database unavailable');
      return {
        ok: false,
        reason: error instanceof StoreIntegrityError ? 'the database was deleted, replaced or cut under the running hub' : 'database writes are failing',
      };
    }
  }
}

