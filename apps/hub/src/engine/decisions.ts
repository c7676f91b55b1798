import { fail, ok, type Ack, type ApprovalRecord, type Decision, type Grant, type Principal, type ReviewerDecision } from '@approval-hub/protocol';
import { auditEvent } from '../audit/audit-events.js';
import { canonicalJson } from '../audit/canonical-json.js';
import { toIso } from '../runtime/clock.js';
import type { LinkUse, StoredRequest } from '../store/store.js';
import { actorOf, mayCancel, mayDecide, readScope, roleRefusal } from './access.js';
import type { Deadlines } from './deadlines.js';
import { contractRefusal, type DecisionVia } from './decision-contract.js';
import { withDecisionTerms } from './decision-terms.js';
import type { EngineCore } from './engine-core.js';
import { grantFromDecision } from './grant-from-decision.js';
import { quorumStep } from './quorum-step.js';

/** How a decision arrived: its channel, what a link or button signed, and the link it spends. */
export interface DecideOptions extends Partial<DecisionVia> {
  /** Spent in the decision's own transaction (a partial quorum approval's too): a link decides once. */
  linkUse?: LinkUse | undefined;
}

/**
 * Everything that takes a pending request out of `pending` by someone's choice: a reviewer's decision (with its
 * quorum, the decision contract and the grant it may make) and an agent's cancel.
 */
export class Decisions {
  constructor(
    private readonly core: EngineCore,
    private readonly deadlines: Deadlines,
  ) {}

  /**
   * The one entry point for a reviewer's decision from every channel (socket, REST, decision link, email link, Slack):
   * the decision contract (`decision-contract.ts`) is enforced here, on the request as it stands, never by a channel.
   */
  async decide(principal: Principal, input: ReviewerDecision, options: DecideOptions = {}): Promise<Ack<ApprovalRecord>> {
    if (!mayDecide(principal)) return roleRefusal(principal);
    // The moment the decision arrived is what counts against the deadline, whatever the reads cost after it.
    const now = this.core.clock.now();
    const arrivedAt = this.core.expiryNow();
    const attempt = { approved: input.approved, edited: input.args !== undefined };
    // A quorum approval that lost a race to another approval reads the request again and counts on top of it.
    for (let round = 0; ; round++) {
      // A link decides once: checked again each round, since a concurrent use of the same link may just have won.
      // Checked before the read: a link is spent in the same commit as its decision, so the record read next already shows it.
      const linkSpent = options.linkUse !== undefined && (await this.core.store.decisionLinkUsed(options.linkUse.linkId));
      // The scope is applied by the read itself: outside it, a request is indistinguishable from a missing one.
      const stored = await this.core.read(input.requestId, readScope(principal));
      if (!stored) {
        // Recorded against the reviewer, never in the timeline of a request it cannot see.
        await this.core.auditor.rejectedDecision(principal, null, null, { ...attempt, code: 'not_found', attemptedRequestId: input.requestId });
        return fail('not_found', `No request ${input.requestId} in your queues`);
      }
      if (linkSpent) return fail('already_decided', 'This link was already used', stored.record);
      const settled = await this.#settled(principal, stored, attempt, input.reason, arrivedAt, now);
      if (settled) return settled;
      const refused = contractRefusal(stored.record, input, { channel: options.channel ?? 'rest', signedArgsDigest: options.signedArgsDigest, confirmToolName: options.confirmToolName });
      if (refused) {
        if (!refused.ok) await this.core.auditor.rejectedDecision(principal, stored.record.requestId, stored.record.queue, { ...attempt, reason: input.reason, code: refused.error.code });
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
      const made = grantFromDecision({ record: original, principal, input: input.grant, approved: input.approved, modified, config: this.core.config.approval.grants, now });
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
    const moved = await this.core.transition({
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
      const after = await this.core.read(original.requestId, readScope(principal));
      if (after?.record.status === 'pending' && input.approved && original.quorum) return 'retry';
      const lost = after && (await this.#settled(principal, after, attempt, input.reason, arrivedAt, now));
      return lost || fail('already_decided', 'Another decision was made first', after?.record ?? original);
    }
    this.core.crash('decision.after-commit');
    this.core.log.info(
      { event: 'approval.decided', requestId: original.requestId, status: record.status, reviewer: principal.id, modified, grant: grant?.grantId },
      'approval decided',
    );
    this.core.events.emit('resolved', record, stored.principalId, 'here');
    if (grant) this.core.events.emit('grantCreated', grant);
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
    const updated = await this.core.store.updatePending({
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
    this.core.log.info({ event: 'approval.quorum', requestId: before.requestId, reviewer: principal.id, approvals: quorum.approvals.length, required: quorum.required }, 'approval counted toward quorum');
    this.core.events.emit('updated', record);
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
    const reject = (code: 'expired' | 'already_decided') => this.core.auditor.rejectedDecision(principal, record.requestId, record.queue, { ...attempt, reason, code });
    if (record.status === 'expired') {
      await reject('expired');
      return fail('expired', 'The request expired before this decision arrived', record);
    }
    if (record.status !== 'pending') {
      await reject('already_decided');
      return fail('already_decided', 'Another decision was made first', record);
    }
    if (arrivedAt >= Date.parse(record.expiresAt)) {
      const expired = await this.deadlines.expire(stored, now);
      await reject('expired');
      return fail('expired', 'The request expired before this decision arrived', expired ?? record);
    }
    return null;
  }

  async cancel(principal: Principal, requestId: string, reason: string | undefined): Promise<Ack<ApprovalRecord>> {
    if (!mayCancel(principal)) return roleRefusal(principal);
    const stored = await this.core.read(requestId, readScope(principal));
    if (!stored) return fail('not_found', `No request ${requestId} of yours`);
    if (stored.record.status !== 'pending') return fail('already_decided', 'The request was already decided', stored.record);
    const { decision: _none, ...rest } = stored.record;
    const at = toIso(this.core.clock.now());
    const record: ApprovalRecord = { ...rest, status: 'cancelled', resolvedAt: at };
    const moved = await this.core.transition({
      requestId,
      record,
      deliverTo: null,
      at,
      audit: [auditEvent('cancelled', requestId, record.queue, actorOf(principal), { reason })],
    });
    if (!moved) {
      const now = await this.core.read(requestId, readScope(principal));
      return fail('already_decided', 'The request was already decided', now?.record ?? stored.record);
    }
    this.core.log.info({ event: 'approval.cancelled', requestId, agent: principal.id }, 'approval cancelled');
    this.core.events.emit('resolved', record, stored.principalId, 'here');
    this.core.events.emit('cancelled', { requestId, status: 'cancelled', ...(reason !== undefined && { reason }), cancelledAt: at }, stored.principalId);
    return ok(record);
  }
}
