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
  type ApprovalSyncPage,
  type Decision,
  type Grant,
  type GrantListQuery,
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
import { EVERYTHING, StoreIntegrityError, type ApprovalStore, type InsertRequest, type LinkUse, type ReadScope, type StoredRequest } from '../store/store.js';
import { actorOf, auditEntryFor, defaultQueueFor, mayCancel, mayDecide, mayPostTo, readScope, reviewerQueues, seesWholeAudit } from './access.js';
import { argsDigest } from './args-digest.js';
import { contractRefusal, type DecisionVia } from './decision-contract.js';
import { withDecisionTerms } from './decision-terms.js';
import { fitToBudget, jsonBytes, readWithinBudget } from './page-budget.js';
import { CursorCodec, isDeadlinePosition, isPosition } from './cursors.js';
import { DeadlineTimer } from './deadline-timer.js';
import { RetentionTimer } from './retention-timer.js';
import { expiryTime } from './expiry-time.js';
import { matchPolicy } from './policies.js';
import { effectiveRisk } from './risk-rules.js';
import { scanRequest } from './suspicious-request.js';
import { grantFromDecision } from './grant-from-decision.js';
import { decidingGrant } from './grant-matching.js';
import { quorumStep } from './quorum-step.js';
import { escalationRuleFor, escalationRuleName, quorumRuleFor } from './request-rules.js';

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
  /** A pending request changed and stays pending (an approval toward its quorum), committed here. */
  updated: (record: ApprovalRecord) => void;
  /** An escalation moved a pending request from `fromQueue` to `record.queue`, committed here. */
  moved: (record: ApprovalRecord, fromQueue: string) => void;
  grantCreated: (grant: Grant) => void;
  grantUsed: (grant: Grant) => void;
  grantRevoked: (grant: Grant) => void;
}

type Listeners = { [K in keyof EngineEvents]: EngineEvents[K][] };

export interface RequestOutcome {
  ack: Ack<ApprovalRecord>;
  /** True when this call made the request; false for an idempotent re-send (or a refusal). */
  created: boolean;
}

/** How a decision arrived: its channel, what a link or button signed, and the link it spends. */
export interface DecideOptions extends Partial<DecisionVia> {
  /** Spent in the decision's own transaction (a partial quorum approval's too): a link decides once. */
  linkUse?: LinkUse | undefined;
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
  readonly #listeners: Listeners = { requested: [], resolved: [], resync: [], cancelled: [], purged: [], updated: [], moved: [], grantCreated: [], grantUsed: [], grantRevoked: [] };
  #unwatch: (() => void) | null = null;
  #sweep: NodeJS.Timeout | null = null;
  readonly #deadlines: DeadlineTimer;
  readonly #escalations: DeadlineTimer;
  readonly #retention: RetentionTimer;
  readonly #crash: CrashHook;
  #cursors: CursorCodec | null = null;
  /** Where refused attempts are recorded (against the principal that made them, rate-limited). */
  readonly #auditor: RejectionAuditor;

  constructor(options: { store: ApprovalStore; clock: Clock; config: HubConfig; logger: Logger; auditor: RejectionAuditor; crashHook?: CrashHook | undefined }) {
    this.#store = options.store;
    this.#auditor = options.auditor;
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
    this.#escalations = new DeadlineTimer({
      now: () => this.#clock.now(),
      next: () => this.#store.nextEscalation(),
      fire: () => this.escalateDue(),
      onError: (error) => this.#log.error({ err: error }, 'escalation check failed; retrying'),
    });
    this.#retention = new RetentionTimer({
      intervalMs: () => this.#config.retention?.intervalMs ?? null,
      run: () => this.purgeDecided(),
      onError: (error) => this.#log.error({ err: error }, 'retention purge failed; retrying at the next run'),
    });
  }

  /** A request as stored, with the terms a decision names (`argsDigest`, `proposal`): every record the engine hands out is read here. */
  async #read(requestId: string, scope: ReadScope): Promise<StoredRequest | null> {
    const stored = await this.#store.getRequest(requestId, scope);
    return stored && { ...stored, record: withDecisionTerms(stored.record) };
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
    // Escalations that fell due while the hub was down happen now, before anyone is served.
    await this.escalateDue();
    this.#deadlines.start();
    this.#escalations.start();
    this.#watchOtherNodes();
    this.#retention.start();
  }

  stop(): void {
    this.#deadlines.stop();
    this.#escalations.stop();
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
          // Another node's request may carry an escalation: re-read the earliest from the database.
          this.#escalations.consider(this.#clock.now());
          return;
        case 'resolved':
          this.settledRecord(change.requestId)
            .then((record) => record && this.#emit('resolved', record, change.principalId, 'elsewhere'))
            .catch((error: unknown) => this.#log.error({ err: error, requestId: change.requestId }, "could not read another node's decision; the sweep retries"));
          return;
        case 'resync':
          this.#emit('resync');
          return;
      }
    });
    this.#sweep = setInterval(() => {
      this.#emit('resync');
      this.#escalations.consider(this.#clock.now());
    }, CLUSTER_SWEEP_MS);
    this.#sweep.unref();
  }

  updateConfig(config: HubConfig): void {
    if (config.approval.clockStepToleranceMs !== this.#config.approval.clockStepToleranceMs) {
      this.#expiryNow = expiryTime(this.#clock, config.approval.clockStepToleranceMs);
    }
    this.#config = config;
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
    let record: ApprovalRecord = {
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
      argsDigest: argsDigest(input.args),
    };
    if (input.conversationId !== undefined) record.conversationId = input.conversationId;
    if (input.description !== undefined) record.description = input.description;
    if (input.summary !== undefined) record.summary = input.summary;
    if (input.context !== undefined) record.context = input.context;
    if (input.challenges !== undefined) record.challenges = input.challenges;
    if (input.onBehalfOf !== undefined) record.onBehalfOf = input.onBehalfOf;
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
    const quorumRule = quorumRuleFor(approval.quorum, principal, record);
    // One approval is what every request needs anyway: only a rule asking for more makes a quorum.
    if (quorumRule && quorumRule.approvals >= 2) record.quorum = { rule: quorumRule.rule, required: quorumRule.approvals, approvals: [] };
    const escalationRule = escalationRuleFor(approval.escalation, principal, record);
    if (escalationRule) {
      record.escalation = { rule: escalationRuleName(escalationRule), toQueue: escalationRule.toQueue, escalateAt: toIso(now + escalationRule.afterMs) };
    }
    const policy = matchPolicy(approval.policies, principal, record);

    const requestHash = createHash('sha256')
      .update(canonicalJson({ ...input, principal: principal.id }))
      .digest('hex');
    const limits = this.#config.limits;
    const insert = (decided: ApprovalRecord, extraAudit: typeof audit, grantUse?: InsertRequest['grantUse']) =>
      this.#store.insertRequest({
        record: decided,
        principalId: principal.id,
        requestHash,
        deliver: decided.status !== 'pending',
        quota: { maxPendingPerAgent: limits.maxPendingPerAgent, maxPendingPerQueue: limits.maxPendingPerQueue },
        audit: [...audit, ...extraAudit],
        grantUse,
      });
    // Precedence: a static deny policy, then a deny grant, then a static approve policy, then an allow grant.
    let outcome: Awaited<ReturnType<ApprovalStore['insertRequest']>> | undefined;
    let usedGrant: Grant | undefined;
    if (policy?.action !== 'deny') {
      // Read from the store on every arrival, never cached: a revocation on any node counts at once. A grant that
      // the insert finds no longer live (revoked, expired, used up meanwhile) is dropped and the rest tried again.
      let grants = await this.#store.liveGrants(queue, now);
      for (let attempt = 0; attempt < 5; attempt++) {
        const grant = decidingGrant(grants, record);
        if (!grant || (grant.effect === 'allow' && policy)) break;
        const decided = this.#decidedByGrant(record, grant);
        const grantAudit = [auditEvent('grant_used', record.requestId, queue, { kind: 'grant', grantId: grant.grantId, grantedBy: grant.grantedBy }, { grantId: grant.grantId, effect: grant.effect, approved: grant.effect === 'allow' })];
        const attempted = await insert(decided, grantAudit, { grantId: grant.grantId, now });
        if (attempted.kind !== 'grant_unavailable') {
          outcome = attempted;
          if (attempted.kind === 'created') usedGrant = grant;
          break;
        }
        grants = grants.filter((g) => g.grantId !== grant.grantId);
      }
    }
    if (!outcome && policy) {
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
      delete record.quorum;
      delete record.escalation;
      outcome = await insert(record, [auditEvent(record.decision.approved ? 'auto_approved' : 'auto_denied', record.requestId, queue, { kind: 'policy', rule: policy.rule }, { reason: policy.reason })]);
    }
    outcome ??= await insert(record, []);
    switch (outcome.kind) {
      case 'existing': {
        const same = outcome.stored.principalId === principal.id && outcome.stored.requestHash === requestHash;
        if (!same) return refuse(fail('conflict', `requestId ${input.requestId} was already used for a different request`));
        return { ack: ok(withDecisionTerms(outcome.stored.record)), created: false };
      }
      case 'quota_exceeded': {
        const message =
          outcome.scope === 'agent'
            ? `This agent already has ${outcome.limit} pending requests (limits.maxPendingPerAgent); wait for decisions or cancel some`
            : `Queue "${queue}" already holds ${outcome.limit} pending requests (limits.maxPendingPerQueue)`;
        this.#auditor.refused(principal, 'approval.request', 'quota_exceeded', message);
        return refuse(fail('quota_exceeded', message, { scope: outcome.scope, limit: outcome.limit }));
      }
      case 'grant_unavailable':
        // Only returned with a grant use, which the loop above replaces by a plain insert; kept for exhaustiveness.
        return refuse(fail('internal', 'The hub could not complete this request; nothing was changed. Try again.'));
      case 'created':
        record = withDecisionTerms(outcome.record);
        break;
    }
    this.#crash('request.after-commit');
    this.#log.info(
      { event: 'approval.requested', requestId: record.requestId, toolName: record.toolName, principal: principal.id, queue, status: record.status },
      'approval requested',
    );
    if (record.status === 'pending') {
      this.#deadlines.consider(now + timeoutMs);
      if (record.escalation) this.#escalations.consider(Date.parse(record.escalation.escalateAt));
      this.#emit('requested', record);
      this.#crash('request.after-forward');
    } else {
      this.#emit('resolved', record, principal.id, 'here');
    }
    if (usedGrant) {
      this.#log.info({ event: 'grant.used', grantId: usedGrant.grantId, requestId: record.requestId, effect: usedGrant.effect }, 'grant decided a request');
      const after = await this.#store.getGrant(usedGrant.grantId, null, this.#clock.now());
      if (after) this.#emit('grantUsed', after);
    }
    return { ack: ok(record), created: true };
  }

  /** The request as decided on arrival by a grant: at once, with the agent's own arguments. */
  #decidedByGrant(pending: ApprovalRecord, grant: Grant): ApprovalRecord {
    const { quorum: _quorum, escalation: _escalation, ...rest } = pending;
    const approved = grant.effect === 'allow';
    return {
      ...rest,
      status: approved ? 'approved' : 'denied',
      decision: {
        approved,
        reason: `${approved ? 'Allowed' : 'Denied'} by a standing grant from ${grant.grantedBy.name}`,
        args: pending.args,
        modified: false,
        decidedBy: { kind: 'grant', grantId: grant.grantId, grantedBy: grant.grantedBy },
        decidedAt: pending.createdAt,
      },
      resolvedAt: pending.createdAt,
    };
  }

  async cancel(principal: Principal, requestId: string, reason: string | undefined): Promise<Ack<ApprovalRecord>> {
    if (!mayCancel(principal)) return fail('forbidden', `Not allowed for the ${principal.role} role`);
    const stored = await this.#read(requestId, readScope(principal));
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
      const now = await this.#read(requestId, readScope(principal));
      return fail('already_decided', 'The request was already decided', now?.record ?? stored.record);
    }
    this.#log.info({ event: 'approval.cancelled', requestId, agent: principal.id }, 'approval cancelled');
    this.#emit('resolved', record, stored.principalId, 'here');
    this.#emit('cancelled', { requestId, status: 'cancelled', ...(reason !== undefined && { reason }), cancelledAt: at }, stored.principalId);
    return ok(record);
  }

  /**
   * The current record of each of the agent's own requests, in order, until `limits.maxPageBytes` is spent; unknown
   * ids are left out. `remaining`: the ids not read yet, to ask for in another sync.
   */
  async sync(principal: Principal, requestIds: readonly string[]): Promise<ApprovalSyncPage> {
    const scope = readScope(principal);
    const maxBytes = this.#config.limits.maxPageBytes;
    const records: ApprovalRecord[] = [];
    let used = 0;
    for (const [i, id] of requestIds.entries()) {
      // Let other callers' I/O in now and then: a store read may complete without ever leaving the microtask queue.
      if (i > 0 && i % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
      const stored = await this.#read(id, scope);
      if (!stored) continue;
      const bytes = jsonBytes(stored.record);
      if (records.length > 0 && used + bytes > maxBytes) return { records, remaining: requestIds.slice(i) };
      used += bytes;
      records.push(stored.record);
    }
    return { records, remaining: [] };
  }

  /** One page of decisions still waiting for this agent's acknowledgement, after `afterPosition`. */
  async undelivered(principal: Principal, limit: number, afterPosition?: number) {
    const page = await this.#store.undelivered(principal.id, limit, afterPosition);
    return { ...page, items: page.items.map(withDecisionTerms) };
  }

  async markDelivered(requestId: string, principal: Principal): Promise<void> {
    const delivered = await this.#store.markDelivered(requestId, principal.id, auditEvent('delivered', requestId, null, actorOf(principal), {}), toIso(this.#clock.now()));
    if (delivered) this.#log.info({ event: 'approval.delivered', requestId, agent: principal.id }, 'decision delivered');
  }

  // ---- reviewers ----

  /**
   * The one entry point for a reviewer's decision from every channel (socket, REST, decision link, email link, Slack):
   * the decision contract (`decision-contract.ts`) is enforced here, on the request as it stands, never by a channel.
   */
  async decide(principal: Principal, input: ReviewerDecision, options: DecideOptions = {}): Promise<Ack<ApprovalRecord>> {
    if (!mayDecide(principal)) return fail('forbidden', `Not allowed for the ${principal.role} role`);
    // The moment the decision arrived is what counts against the deadline, whatever the reads cost after it.
    const now = this.#clock.now();
    const arrivedAt = this.#expiryNow();
    const attempt = { approved: input.approved, edited: input.args !== undefined };
    // A quorum approval that lost a race to another approval reads the request again and counts on top of it.
    for (let round = 0; ; round++) {
      // The scope is applied by the read itself: outside it, a request is indistinguishable from a missing one.
      const stored = await this.#read(input.requestId, readScope(principal));
      if (!stored) {
        // Recorded against the reviewer, never in the timeline of a request it cannot see.
        await this.#auditor.rejectedDecision(principal, null, null, { ...attempt, code: 'not_found', attemptedRequestId: input.requestId });
        return fail('not_found', `No request ${input.requestId} in your queues`);
      }
      // A link decides once: checked again each round, since a concurrent use of the same link may just have won.
      if (options.linkUse && (await this.#store.decisionLinkUsed(options.linkUse.linkId))) {
        return fail('already_decided', 'This link was already used', stored.record);
      }
      const settled = await this.#settled(principal, stored, attempt, input.reason, arrivedAt, now);
      if (settled) return settled;
      const refused = contractRefusal(stored.record, input, { channel: options.channel ?? 'rest', signedArgsDigest: options.signedArgsDigest, confirmToolName: options.confirmToolName });
      if (refused) {
        if (!refused.ok) await this.#auditor.rejectedDecision(principal, stored.record.requestId, stored.record.queue, { ...attempt, reason: input.reason, code: refused.error.code });
        return refused;
      }
      const result = await this.#decideOpen(principal, input, stored, now, arrivedAt, attempt, options);
      if (result !== 'retry') return result;
      if (round >= 20) return fail('conflict', 'Too many approvals arrived at once; try again');
    }
  }

  /** One attempt at deciding a pending request; 'retry' when a quorum approval lost to a concurrent change. */
  async #decideOpen(
    principal: Principal,
    input: ReviewerDecision,
    stored: StoredRequest,
    now: number,
    arrivedAt: number,
    attempt: { approved: boolean; edited: boolean },
    options: DecideOptions,
  ): Promise<Ack<ApprovalRecord> | 'retry'> {
    const original = stored.record;
    const at = toIso(now);
    let args = original.args;
    let modified = input.approved && input.args !== undefined && canonicalJson(input.args) !== canonicalJson(original.args);
    if (modified) args = input.args!;
    let quorum = original.quorum;
    if (input.approved && original.quorum) {
      const step = quorumStep(original, original.quorum, principal, input.args, at);
      if (step.kind === 'already_approved') {
        return fail('already_approved_by_you', 'You have already approved this request: it needs an approval from another reviewer', original);
      }
      if (input.grant && (input.grant.effect ?? 'allow') === 'allow') {
        return fail('invalid_payload', 'an allow grant cannot be made on a request that needs several approvals', { fieldErrors: { grant: ['not on a request that needs several approvals'] } });
      }
      if (step.kind === 'partial') return this.#approvePartly(principal, input, stored, step.quorum, step.modified, at, options);
      quorum = step.quorum;
      args = step.args;
      modified = step.modified;
    }
    const decision: Decision = {
      approved: input.approved,
      args,
      modified,
      decidedBy: { kind: 'reviewer', id: principal.id, name: principal.name },
      decidedAt: at,
    };
    if (input.reason !== undefined) decision.reason = input.reason;
    let grant: Grant | undefined;
    if (input.grant) {
      const made = grantFromDecision({ record: original, principal, input: input.grant, approved: input.approved, modified, config: this.#config.approval.grants, now });
      if ('problem' in made) return fail('invalid_payload', `Cannot make this grant: ${made.problem}`, { fieldErrors: { grant: [made.problem] } });
      grant = made.grant;
    }
    const { quorum: _read, proposal: _proposal, ...rest } = original;
    const record: ApprovalRecord = { ...rest, ...(quorum && { quorum }), status: input.approved ? 'approved' : 'denied', decision, resolvedAt: decision.decidedAt };
    const audit = [
      auditEvent('decided', original.requestId, original.queue, actorOf(principal), {
        approved: decision.approved,
        reason: decision.reason,
        modified,
        args: modified ? decision.args : undefined,
        via: options.channel ?? 'rest',
      }),
    ];
    if (grant) audit.push(auditEvent('grant_created', original.requestId, original.queue, actorOf(principal), { grant }));
    const moved = await this.#store.transition({
      requestId: original.requestId,
      record,
      deliverTo: stored.principalId,
      at: decision.decidedAt,
      ...(options.linkUse && { linkUse: options.linkUse }),
      audit,
      grant,
      // The last approval of a quorum counts only on the quorum it was added to.
      expect: input.approved && original.quorum ? original : undefined,
    });
    if (!moved) {
      // Someone else won between the read and the conditional write: report what they did.
      const after = await this.#read(original.requestId, readScope(principal));
      if (after?.record.status === 'pending' && input.approved && original.quorum) return 'retry';
      const lost = after && (await this.#settled(principal, after, attempt, input.reason, arrivedAt, now));
      return lost || fail('already_decided', 'Another decision was made first', after?.record ?? original);
    }
    this.#crash('decision.after-commit');
    this.#log.info(
      { event: 'approval.decided', requestId: original.requestId, status: record.status, reviewer: principal.id, modified, grant: grant?.grantId },
      'approval decided',
    );
    this.#emit('resolved', record, stored.principalId, 'here');
    if (grant) this.#emit('grantCreated', grant);
    return ok(record);
  }

  /** An approval toward a quorum that is not the last one: counted, audited, and the request stays pending. */
  async #approvePartly(
    principal: Principal,
    input: ReviewerDecision,
    stored: StoredRequest,
    quorum: NonNullable<ApprovalRecord['quorum']>,
    modified: boolean,
    at: string,
    options: DecideOptions,
  ): Promise<Ack<ApprovalRecord> | 'retry'> {
    const before = stored.record;
    // An edit is a new proposal: the record names it (and its digest) from here on.
    const record = withDecisionTerms({ ...before, quorum });
    const updated = await this.#store.updatePending({
      requestId: before.requestId,
      before,
      record,
      at,
      ...(options.linkUse && { linkUse: options.linkUse }),
      audit: [
        auditEvent('quorum_approved', before.requestId, before.queue, actorOf(principal), {
          approvals: quorum.approvals.length,
          required: quorum.required,
          rule: quorum.rule,
          modified,
          args: quorum.args,
          reason: input.reason,
          via: options.channel ?? 'rest',
        }),
      ],
    });
    if (!updated) return 'retry';
    this.#log.info({ event: 'approval.quorum', requestId: before.requestId, reviewer: principal.id, approvals: quorum.approvals.length, required: quorum.required }, 'approval counted toward quorum');
    this.#emit('updated', record);
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
    const reject = (code: 'expired' | 'already_decided') => this.#auditor.rejectedDecision(principal, record.requestId, record.queue, { ...attempt, reason, code });
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
      const due = (await this.#store.due(this.#expiryNow(), EXPIRY_BATCH)).map((stored) => ({ ...stored, record: withDecisionTerms(stored.record) }));
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

  // ---- escalation ----

  /** Moves every pending request whose escalation time has passed to its rule's queue; also callable from tests. */
  async escalateDue(): Promise<ApprovalRecord[]> {
    const moved: ApprovalRecord[] = [];
    for (;;) {
      const now = this.#clock.now();
      const due = (await this.#store.dueEscalations(now, EXPIRY_BATCH)).map((stored) => ({ ...stored, record: withDecisionTerms(stored.record) }));
      if (due.length === 0) break;
      let progressed = false;
      for (const stored of due) {
        const record = await this.#escalate(stored.record, now);
        if (record) {
          moved.push(record);
          progressed = true;
        }
      }
      if (!progressed) break;
    }
    return moved;
  }

  /** Moves one request to its escalation queue; null when it was no longer pending or already moved. */
  async #escalate(before: ApprovalRecord, now: number): Promise<ApprovalRecord | null> {
    const escalation = before.escalation;
    if (!escalation || escalation.escalatedAt !== undefined) return null;
    const at = toIso(now);
    // The deadline stays: escalation changes who looks, not how long they have.
    const record: ApprovalRecord = { ...before, queue: escalation.toQueue, escalation: { ...escalation, fromQueue: before.queue, escalatedAt: at } };
    const afterMs = Date.parse(escalation.escalateAt) - Date.parse(before.createdAt);
    const updated = await this.#store.updatePending({
      requestId: before.requestId,
      before,
      record,
      at,
      audit: [auditEvent('escalated', before.requestId, escalation.toQueue, { kind: 'hub' }, { fromQueue: before.queue, toQueue: escalation.toQueue, rule: escalation.rule, afterMs })],
    });
    if (!updated) return null;
    this.#log.info({ event: 'approval.escalated', requestId: before.requestId, fromQueue: before.queue, toQueue: escalation.toQueue }, 'approval escalated');
    this.#emit('moved', record, before.queue);
    return record;
  }

  // ---- grants ----

  async listGrants(principal: Principal, query: GrantListQuery): Promise<Ack<Page<Grant>>> {
    if (!mayDecide(principal)) return fail('forbidden', `Not allowed for the ${principal.role} role`);
    const after = query.cursor === undefined ? undefined : this.#codec.decode('grants', query.cursor, isPosition);
    const now = this.#clock.now();
    const page = await readWithinBudget({
      read: (from, limit) =>
        this.#store.listGrants({ status: query.status, queue: query.queue, toolName: query.toolName, grantedBy: query.grantedBy, fromRequestId: query.fromRequestId, limit, after: from, now }, reviewerQueues(principal)),
      limit: query.limit,
      after,
      maxBytes: this.#config.limits.maxPageBytes,
      // A grant is made from one decision, so it is no larger than a decision's payload (plus its own fields).
      itemMaxBytes: this.#config.limits.maxPayloadBytes + 4096,
    });
    return ok({ items: page.items, nextCursor: page.next === null ? null : this.#codec.encode('grants', page.next) });
  }

  async grant(principal: Principal, grantId: string): Promise<Ack<Grant>> {
    if (!mayDecide(principal)) return fail('forbidden', `Not allowed for the ${principal.role} role`);
    const grant = await this.#store.getGrant(grantId, reviewerQueues(principal), this.#clock.now());
    return grant ? ok(grant) : fail('not_found', `No grant ${grantId} in your queues`);
  }

  /** Revokes a grant within the reviewer's queues; effective at once on every node (arrivals read grants from the store). */
  async revokeGrant(principal: Principal, grantId: string): Promise<Ack<Grant>> {
    if (!mayDecide(principal)) return fail('forbidden', `Not allowed for the ${principal.role} role`);
    const queues = reviewerQueues(principal);
    const now = this.#clock.now();
    // Outside the reviewer's queues a grant is indistinguishable from a missing one.
    const found = await this.#store.getGrant(grantId, queues, now);
    if (!found) return fail('not_found', `No grant ${grantId} in your queues`);
    const at = toIso(now);
    const result = await this.#store.revokeGrant({
      grantId,
      queues,
      by: { id: principal.id, name: principal.name },
      at,
      now,
      audit: [auditEvent('grant_revoked', found.fromRequestId, found.queue, actorOf(principal), { grantId, effect: found.effect, fromRequestId: found.fromRequestId })],
    });
    if (!result) return fail('not_found', `No grant ${grantId} in your queues`);
    if (result.revoked) {
      this.#log.info({ event: 'grant.revoked', grantId, reviewer: principal.id }, 'grant revoked');
      this.#emit('grantRevoked', result.grant);
    }
    return ok(result.grant);
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
    await this.#purgeSpent();
    return total;
  }

  /** After the requests: the settled notifications and spent links they left behind, batch by batch. */
  async #purgeSpent(): Promise<void> {
    const removed = { outbox: 0, linkUses: 0 };
    for (;;) {
      const retention = this.#config.retention;
      if (!retention) break;
      const before = this.#clock.now() - retention.decidedAfterDays * 86_400_000;
      const batch = await this.#store.purgeSpent({ before, limit: retention.batchSize });
      removed.outbox += batch.outbox;
      removed.linkUses += batch.linkUses;
      if (batch.outbox < retention.batchSize && batch.linkUses < retention.batchSize) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (removed.outbox + removed.linkUses > 0) this.#log.info({ event: 'retention.purged_spent', ...removed }, 'purged settled notifications and spent links past retention');
  }

  // ---- reads ----

  /** A record as the principal may see it: reviewers within their queues, agents their own. */
  /** The record once it has left `pending`, else null: for waking waiters that were authorized when they began. */
  async settledRecord(requestId: string): Promise<ApprovalRecord | null> {
    const stored = await this.#read(requestId, EVERYTHING);
    return stored && stored.record.status !== 'pending' ? stored.record : null;
  }

  /** The record as it stands, whoever may see it: for messages the hub composes itself (a notification sent later than queued). */
  async currentRecord(requestId: string): Promise<ApprovalRecord | null> {
    return (await this.#read(requestId, EVERYTHING))?.record ?? null;
  }

  async visibleRecord(principal: Principal, requestId: string): Promise<ApprovalRecord | null> {
    return (await this.#read(requestId, readScope(principal)))?.record ?? null;
  }

  async detail(principal: Principal, requestId: string): Promise<Ack<ApprovalDetail>> {
    const record = await this.visibleRecord(principal, requestId);
    if (!record) return fail('not_found', `No request ${requestId} visible to you`);
    const entries = (await this.#store.timeline(requestId)).map((entry) => auditEntryFor(principal, entry));
    // The record goes whole; its timeline (oldest first) fills what is left of the page budget.
    const { kept, cut } = fitToBudget(entries, this.#config.limits.maxPageBytes - jsonBytes(record), jsonBytes, false);
    return ok({ ...record, timeline: kept, ...(cut ? { timelineTruncated: true } : {}) });
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
    return { items: page.items.map(withDecisionTerms), nextCursor: page.next === null ? null : this.#codec.encode(kind, page.next) };
  }

  /** One page of what is pending in `queues` (null = all), by deadline. */
  async pendingPage(queues: readonly string[] | null, options: { limit?: number | undefined; cursor?: string | undefined }): Promise<PendingPage> {
    const kind = `pending:${queues === null ? '*' : [...queues].sort().join(',')}`;
    const after = options.cursor === undefined ? undefined : this.#codec.decode(kind, options.cursor, isDeadlinePosition);
    const page = await this.#store.listPending(queues, { limit: options.limit ?? DEFAULT_SNAPSHOT_PAGE, after, maxBytes: this.#config.limits.maxPageBytes });
    return { pending: page.items.map(withDecisionTerms), nextCursor: page.next === null ? null : this.#codec.encode(kind, page.next) };
  }

  async listAudit(principal: Principal, query: AuditListQuery): Promise<Page<AuditEntry>> {
    const after = query.cursor === undefined ? undefined : this.#codec.decode('audit', query.cursor, isPosition);
    const page = await readWithinBudget({
      read: (from, limit) =>
        this.#store.listAudit(
          { requestId: query.requestId, type: query.type, queue: query.queue, since: query.since, until: query.until, limit, after: from, includeHubRows: seesWholeAudit(principal) },
          reviewerQueues(principal),
        ),
      limit: query.limit,
      after,
      maxBytes: this.#config.limits.maxPageBytes,
      // The largest row is a request's `requested` entry: its arguments (at most a payload) and the hub's fields.
      itemMaxBytes: this.#config.limits.maxPayloadBytes + 8192,
    });
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

