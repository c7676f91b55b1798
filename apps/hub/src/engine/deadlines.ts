import type { ApprovalRecord, Decision } from '@approval-hub/protocol';
import { auditEvent } from '../audit/audit-events.js';
import { toIso } from '../runtime/clock.js';
import type { StoredRequest } from '../store/store.js';
import { DeadlineTimer } from './deadline-timer.js';
import { withDecisionTerms } from './decision-terms.js';
import type { EngineCore } from './engine-core.js';

export const TIMEOUT_REASON = 'Approval timed out';

/** How many due requests one expiry (or escalation) pass takes at a time. */
const EXPIRY_BATCH = 500;

/**
 * Time-driven transitions: a request nobody decided in time expires (by the hub's bounded clock), and a request
 * whose escalation falls due moves to its rule's queue. Each has a timer armed at the earliest stored time.
 */
export class Deadlines {
  readonly #expiry: DeadlineTimer;
  readonly #escalation: DeadlineTimer;

  constructor(private readonly core: EngineCore) {
    this.#expiry = new DeadlineTimer({
      now: () => core.expiryNow(),
      next: () => core.store.nextDeadline(),
      fire: () => this.expireDue(),
      onError: (error) => core.log.error({ err: error }, 'deadline check failed; retrying'),
    });
    this.#escalation = new DeadlineTimer({
      now: () => core.clock.now(),
      next: () => core.store.nextEscalation(),
      fire: () => this.escalateDue(),
      onError: (error) => core.log.error({ err: error }, 'escalation check failed; retrying'),
    });
  }

  start(): void {
    this.#expiry.start();
    this.#escalation.start();
  }

  stop(): void {
    this.#expiry.stop();
    this.#escalation.stop();
  }

  /** Both timers re-read their earliest time from the database: other nodes' notices may have been missed. */
  rearm(): void {
    this.#expiry.rearm();
    this.#escalation.rearm();
  }

  /** A new deadline (ms) that may be earlier than the one the timer waits for. */
  considerExpiry(at: number): void {
    this.#expiry.consider(at);
  }

  /** A new escalation time (ms) that may be earlier than the one the timer waits for. */
  considerEscalation(at: number): void {
    this.#escalation.consider(at);
  }

  #timeoutDecision(record: ApprovalRecord, now: number): Decision {
    return {
      approved: this.core.config.approval.defaultOnTimeout === 'approve',
      reason: TIMEOUT_REASON,
      args: record.args,
      modified: false,
      decidedBy: { kind: 'timeout' },
      // Never dated before the deadline, even when the wall clock stepped back.
      decidedAt: toIso(Math.max(now, Date.parse(record.expiresAt))),
    };
  }

  /** Expires one request; null when it had already left `pending`. */
  async expire(stored: StoredRequest, now: number): Promise<ApprovalRecord | null> {
    const decision = this.#timeoutDecision(stored.record, now);
    const record: ApprovalRecord = { ...stored.record, status: 'expired', decision, resolvedAt: decision.decidedAt };
    const moved = await this.core.transition({
      requestId: record.requestId,
      record,
      deliverTo: stored.principalId,
      at: decision.decidedAt,
      audit: [auditEvent('expired', record.requestId, record.queue, { kind: 'timeout' }, { approved: decision.approved, reason: decision.reason, expiresAt: record.expiresAt })],
    });
    if (!moved) return null;
    this.core.log.info({ event: 'approval.expired', requestId: record.requestId, approved: decision.approved }, 'approval expired');
    this.core.events.emit('resolved', record, stored.principalId, 'here');
    return record;
  }

  /** Expires every request whose deadline has passed by the hub's (bounded) clock; also callable from tests. */
  async expireDue(): Promise<ApprovalRecord[]> {
    const expired: ApprovalRecord[] = [];
    for (;;) {
      const now = this.core.clock.now();
      const due = (await this.core.store.due(this.core.expiryNow(), EXPIRY_BATCH)).map((stored) => ({ ...stored, record: withDecisionTerms(stored.record) }));
      if (due.length === 0) break;
      const results = await Promise.all(due.map((stored) => this.expire(stored, now)));
      this.core.crash('deadline.after-commit');
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

  /** Moves every pending request whose escalation time has passed to its rule's queue; also callable from tests. */
  async escalateDue(): Promise<ApprovalRecord[]> {
    const moved: ApprovalRecord[] = [];
    for (;;) {
      const now = this.core.clock.now();
      const due = (await this.core.store.dueEscalations(now, EXPIRY_BATCH)).map((stored) => ({ ...stored, record: withDecisionTerms(stored.record) }));
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
    const updated = await this.core.store.updatePending({
      requestId: before.requestId,
      before,
      record,
      at,
      audit: [auditEvent('escalated', before.requestId, escalation.toQueue, { kind: 'hub' }, { fromQueue: before.queue, toQueue: escalation.toQueue, rule: escalation.rule, afterMs })],
    });
    if (!updated) return null;
    this.core.log.info({ event: 'approval.escalated', requestId: before.requestId, fromQueue: before.queue, toQueue: escalation.toQueue }, 'approval escalated');
    this.core.events.emit('moved', record, before.queue);
    return record;
  }
}
