import { createHash } from 'node:crypto';
import {
  DEFAULT_QUEUE,
  fail,
  ok,
  type Ack,
  type ApprovalDetail,
  type ApprovalRecord,
  type ApprovalRequestInput,
  type AuditActor,
  type Decision,
  type Principal,
  type ReviewerDecision,
} from '@approval-hub/protocol';
import type { Clock } from '../clock.js';
import { toIso } from '../clock.js';
import type { HubConfig } from '../config.js';
import type { CrashHook } from '../crash-hook.js';
import type { Logger } from '../logger.js';
import { queueScope } from '../principals.js';
import { canonicalJson } from '../store/canonical-json.js';
import type { ApprovalStore } from '../store/store.js';
import { DeadlineTimer } from './deadline-timer.js';
import { matchPolicy } from './policies.js';

export const TIMEOUT_REASON = 'Approval timed out';

export interface EngineEvents {
  /** A new pending request, committed. */
  requested: (record: ApprovalRecord) => void;
  /** A request left `pending` (decision, policy, timeout or cancel), committed. */
  resolved: (record: ApprovalRecord, principalId: string) => void;
}

type Listeners = { [K in keyof EngineEvents]: EngineEvents[K][] };

function reviewerActor(principal: Principal): AuditActor {
  return { kind: 'reviewer', id: principal.id, name: principal.name };
}

/**
 * The approval rules, independent of transport: sockets and REST both call it and get an `Ack`.
 * Unexpected errors (a failing database) are thrown for the caller's boundary to turn into `internal`.
 */
export class ApprovalEngine {
  readonly #store: ApprovalStore;
  readonly #clock: Clock;
  readonly #log: Logger;
  #approval: HubConfig['approval'];
  readonly #listeners: Listeners = { requested: [], resolved: [] };
  readonly #deadlines: DeadlineTimer;
  readonly #crash: CrashHook;

  constructor(options: { store: ApprovalStore; clock: Clock; config: HubConfig; logger: Logger; crashHook?: CrashHook | undefined }) {
    this.#store = options.store;
    this.#crash = options.crashHook ?? (() => {});
    this.#clock = options.clock;
    this.#log = options.logger;
    this.#approval = options.config.approval;
    this.#deadlines = new DeadlineTimer({
      clock: this.#clock,
      next: () => this.#store.nextDeadline(),
      fire: () => this.expireDue(),
      onError: (error) => this.#log.error({ err: error }, 'deadline check failed; retrying'),
    });
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
    await this.expireDue();
    this.#deadlines.start();
  }

  stop(): void {
    this.#deadlines.stop();
  }

  updateConfig(config: HubConfig): void {
    this.#approval = config.approval;
  }

  get approvalConfig(): HubConfig['approval'] {
    return this.#approval;
  }

  /** `now` is the reading that found the request due: read again at write time, a clock set back could date it early. */
  #timeoutDecision = (record: ApprovalRecord, now: number): Decision => ({
    approved: this.#approval.defaultOnTimeout === 'approve',
    reason: TIMEOUT_REASON,
    args: record.args,
    modified: false,
    decidedBy: { kind: 'timeout' },
    decidedAt: toIso(now),
  });

  async request(principal: Principal, input: ApprovalRequestInput): Promise<Ack<ApprovalRecord>> {
    const timeoutMs = input.timeoutMs ?? this.#approval.defaultTimeoutMs;
    if (timeoutMs > this.#approval.maxTimeoutMs) {
      return fail('invalid_payload', `timeoutMs must be at most ${this.#approval.maxTimeoutMs}`, {
        fieldErrors: { timeoutMs: [`at most ${this.#approval.maxTimeoutMs}`] },
      });
    }
    const now = this.#clock.now();
    const record: ApprovalRecord = {
      requestId: input.requestId,
      status: 'pending',
      toolName: input.toolName,
      args: input.args,
      agentName: input.agentName ?? principal.name,
      runId: input.runId,
      queue: input.queue ?? DEFAULT_QUEUE,
      createdAt: toIso(now),
      expiresAt: toIso(now + timeoutMs),
    };
    if (input.conversationId !== undefined) record.conversationId = input.conversationId;
    if (input.description !== undefined) record.description = input.description;

    const policy = matchPolicy(this.#approval.policies, record);
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
    }

    const requestHash = createHash('sha256')
      .update(canonicalJson({ ...input, principal: principal.id }))
      .digest('hex');
    const outcome = await this.#store.createRequest({
      record,
      principalId: principal.id,
      principalName: principal.name,
      requestHash,
      ...(policy ? { policyRule: policy.rule } : {}),
    });
    if (outcome.kind === 'conflict') {
      return fail('conflict', `requestId ${input.requestId} was already used for a different request`);
    }
    if (outcome.kind === 'created') {
      this.#crash('request.after-commit');
      this.#log.info(
        { event: 'approval.requested', requestId: record.requestId, toolName: record.toolName, agentName: record.agentName, principal: principal.id, queue: record.queue, status: record.status },
        'approval requested',
      );
      if (record.status === 'pending') {
        this.#deadlines.consider(now + timeoutMs);
        this.#emit('requested', record);
        this.#crash('request.after-forward');
      } else {
        this.#emit('resolved', record, principal.id);
      }
    }
    return ok(outcome.record);
  }

  async decide(principal: Principal, input: ReviewerDecision): Promise<Ack<ApprovalRecord>> {
    const now = this.#clock.now();
    const decision: Omit<Decision, 'args' | 'modified'> = {
      approved: input.approved,
      decidedBy: { kind: 'reviewer', id: principal.id, name: principal.name },
      decidedAt: toIso(now),
    };
    if (input.reason !== undefined) decision.reason = input.reason;
    const outcome = await this.#store.decide({
      requestId: input.requestId,
      decision,
      editedArgs: input.approved ? input.args : undefined,
      status: input.approved ? 'approved' : 'denied',
      actor: reviewerActor(principal),
      scope: queueScope(principal),
      now,
      timeoutDecision: (record) => this.#timeoutDecision(record, now),
    });
    switch (outcome.kind) {
      case 'not_found':
        return fail('not_found', `No request ${input.requestId} in your queues`);
      case 'already_decided':
        return fail('already_decided', 'Another decision was made first', outcome.record);
      case 'expired':
        if (outcome.expiredNow) this.#emit('resolved', outcome.record, outcome.expiredNow.principalId);
        return fail('expired', 'The request expired before this decision arrived', outcome.record);
      case 'decided':
        this.#crash('decision.after-commit');
        this.#log.info(
          { event: 'approval.decided', requestId: input.requestId, status: outcome.record.status, reviewer: principal.name, modified: outcome.record.decision?.modified },
          'approval decided',
        );
        this.#emit('resolved', outcome.record, outcome.principalId);
        return ok(outcome.record);
    }
  }

  async cancel(principal: Principal, requestId: string, reason: string | undefined): Promise<Ack<ApprovalRecord>> {
    const actor: AuditActor = { kind: 'agent', id: principal.id, name: principal.name };
    const outcome = await this.#store.cancel(requestId, principal.id, actor, reason, this.#clock.now());
    switch (outcome.kind) {
      case 'not_found':
        return fail('not_found', `No request ${requestId} of yours`);
      case 'already_decided':
        return fail('already_decided', 'The request was already decided', outcome.record);
      case 'cancelled':
        this.#log.info({ event: 'approval.cancelled', requestId, agent: principal.name }, 'approval cancelled');
        this.#emit('resolved', outcome.record, principal.id);
        return ok(outcome.record);
    }
  }

  /** The current record of each of the agent's own requests; unknown ids are left out. */
  sync(principal: Principal, requestIds: readonly string[]): Ack<ApprovalRecord[]> {
    const records: ApprovalRecord[] = [];
    for (const id of requestIds) {
      const record = this.#store.getOwnedRecord(id, principal.id);
      if (record) records.push(record);
    }
    return ok(records);
  }

  /** A record as the principal may see it: reviewers within their queues, agents their own. */
  visibleRecord(principal: Principal, requestId: string): ApprovalRecord | null {
    if (principal.role === 'agent') return this.#store.getOwnedRecord(requestId, principal.id);
    const record = this.#store.getRecord(requestId);
    const scope = queueScope(principal);
    if (!record || (scope !== null && !scope.includes(record.queue))) return null;
    return record;
  }

  detail(principal: Principal, requestId: string): Ack<ApprovalDetail> {
    const record = this.visibleRecord(principal, requestId);
    if (!record) return fail('not_found', `No request ${requestId} visible to you`);
    return ok({ ...record, timeline: this.#store.timeline(requestId) });
  }

  pending(queues: readonly string[] | null): ApprovalRecord[] {
    return this.#store.listPending(queues);
  }

  undelivered(principalId: string): ApprovalRecord[] {
    return this.#store.undelivered(principalId);
  }

  async markDelivered(requestId: string, principal: Principal): Promise<void> {
    const delivered = await this.#store.markDelivered(requestId, principal.id, { kind: 'agent', id: principal.id, name: principal.name });
    if (delivered) this.#log.info({ event: 'approval.delivered', requestId, agent: principal.name }, 'decision delivered');
  }

  /** Expires every request whose deadline has passed by the hub's clock (also callable from tests). */
  async expireDue(): Promise<ApprovalRecord[]> {
    const expired: ApprovalRecord[] = [];
    for (;;) {
      const now = this.#clock.now();
      const batch = await this.#store.expireDue(now, (record) => ({ decision: this.#timeoutDecision(record, now) }));
      if (batch.length > 0) this.#crash('deadline.after-commit');
      for (const { record, principalId } of batch) {
        this.#log.info({ event: 'approval.expired', requestId: record.requestId, approved: record.decision?.approved }, 'approval expired');
        this.#emit('resolved', record, principalId);
        expired.push(record);
      }
      if (batch.length === 0) break;
    }
    return expired;
  }
}
