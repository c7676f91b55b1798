import { createHash } from 'node:crypto';
import { DEFAULT_QUEUE, fail, ok, type Ack, type ApprovalRecord, type ApprovalRequestInput, type Grant, type Principal } from '@approval-hub/protocol';
import { auditEvent } from '../audit/audit-events.js';
import { canonicalJson } from '../audit/canonical-json.js';
import { toIso } from '../runtime/clock.js';
import type { InsertOutcome, InsertRequest } from '../store/store.js';
import { actorOf, defaultQueueFor, mayPostTo } from './access.js';
import { argsDigest } from './args-digest.js';
import type { Deadlines } from './deadlines.js';
import { withDecisionTerms } from './decision-terms.js';
import type { EngineCore } from './engine-core.js';
import { decidingGrant } from './grant-matching.js';
import { matchPolicy } from './policies.js';
import { escalationRuleFor, escalationRuleName, quorumRuleFor } from './request-rules.js';
import { effectiveRisk } from './risk-rules.js';
import { scanRequest } from './suspicious-request.js';

export interface RequestOutcome {
  ack: Ack<ApprovalRecord>;
  /** True when this call made the request; false for an idempotent re-send (or a refusal). */
  created: boolean;
}

/**
 * A request's intake: where it may go and for how long, the hub's own terms (risk, warnings, quorum, escalation),
 * then whether a policy or a standing grant decides it on arrival, all in one insert that also counts the quotas.
 */
export class Arrival {
  constructor(
    private readonly core: EngineCore,
    private readonly deadlines: Deadlines,
  ) {}

  async request(principal: Principal, input: ApprovalRequestInput): Promise<RequestOutcome> {
    const refuse = (ack: Ack<ApprovalRecord>): RequestOutcome => ({ ack, created: false });
    const approval = this.core.config.approval;
    const queue = input.queue ?? defaultQueueFor(principal, DEFAULT_QUEUE);
    if (!mayPostTo(principal, queue)) {
      return refuse(fail('forbidden', `This agent token may not post to queue "${queue}"`, { queue }));
    }
    if (this.core.config.queues.length > 0 && !this.core.config.queues.some((q) => q.name === queue)) {
      return refuse(fail('invalid_payload', `Unknown queue "${queue}": this hub accepts ${this.core.config.queues.map((q) => q.name).join(', ')}`, { fieldErrors: { queue: ['unknown queue'] } }));
    }
    const minTimeoutMs = this.#minTimeoutFor(queue);
    const timeoutMs = input.timeoutMs ?? Math.max(approval.defaultTimeoutMs, minTimeoutMs);
    if (timeoutMs > approval.maxTimeoutMs) {
      return refuse(fail('invalid_payload', `timeoutMs must be at most ${approval.maxTimeoutMs}`, { fieldErrors: { timeoutMs: [`at most ${approval.maxTimeoutMs}`] } }));
    }
    if (timeoutMs < minTimeoutMs) {
      return refuse(fail('invalid_payload', `timeoutMs must be at least ${minTimeoutMs} in queue "${queue}"`, { fieldErrors: { timeoutMs: [`at least ${minTimeoutMs}`] } }));
    }
    const now = this.core.clock.now();
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
    const limits = this.core.config.limits;
    const insert = (decided: ApprovalRecord, extraAudit: typeof audit, grantUse?: InsertRequest['grantUse']) =>
      this.core.insertRequest({
        record: decided,
        principalId: principal.id,
        requestHash,
        deliver: decided.status !== 'pending',
        quota: { maxPendingPerAgent: limits.maxPendingPerAgent, maxPendingPerQueue: limits.maxPendingPerQueue },
        audit: [...audit, ...extraAudit],
        grantUse,
      });
    // Precedence: a static deny policy, then a deny grant, then a static approve policy, then an allow grant.
    let outcome: InsertOutcome | undefined;
    let usedGrant: Grant | undefined;
    if (policy?.action !== 'deny') {
      // The store's copy of the queue's live grants (grant-cache.ts) is only a hint: the insert re-checks the grant in
      // its own transaction, so a revocation on any node counts at once. A grant that the insert finds no longer live
      // (revoked, expired, used up meanwhile) is dropped and the rest tried again.
      let grants = await this.core.store.liveGrants(queue, now);
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
        this.core.auditor.refused(principal, 'approval.request', 'quota_exceeded', message);
        return refuse(fail('quota_exceeded', message, { scope: outcome.scope, limit: outcome.limit }));
      }
      case 'grant_unavailable':
        // Only returned with a grant use, which the loop above replaces by a plain insert; kept for exhaustiveness.
        return refuse(fail('internal', 'The hub could not complete this request; nothing was changed. Try again.'));
      case 'created':
        record = withDecisionTerms(outcome.record);
        break;
    }
    this.core.crash('request.after-commit');
    this.core.log.info(
      { event: 'approval.requested', requestId: record.requestId, toolName: record.toolName, principal: principal.id, queue, status: record.status },
      'approval requested',
    );
    if (record.status === 'pending') {
      this.deadlines.considerExpiry(now + timeoutMs);
      if (record.escalation) this.deadlines.considerEscalation(Date.parse(record.escalation.escalateAt));
      this.core.events.emit('requested', record, 'here');
      this.core.crash('request.after-forward');
    } else {
      this.core.events.emit('resolved', record, principal.id, 'here');
    }
    if (usedGrant) {
      this.core.log.info({ event: 'grant.used', grantId: usedGrant.grantId, requestId: record.requestId, effect: usedGrant.effect }, 'grant decided a request');
      const after = await this.core.store.getGrant(usedGrant.grantId, null, this.core.clock.now());
      if (after) this.core.events.emit('grantUsed', after);
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

  #minTimeoutFor(queue: string): number {
    return this.core.config.queues.find((q) => q.name === queue)?.minTimeoutMs ?? this.core.config.approval.minTimeoutMs;
  }
}
