import type { Clock } from '../runtime/clock.js';
import type { HubConfig } from '../config.js';
import type { CrashHook } from '../runtime/crash-hook.js';
import type { Logger } from '../runtime/logger.js';
import { requestedNotifications, resolvedNotifications } from '../notifications/notification-routing.js';
import type { RejectionAuditor } from '../audit/rejection-audit.js';
import type { ApprovalStore, InsertOutcome, InsertRequest, ReadScope, StoredRequest, Transition } from '../store/store.js';
import type { CursorCodec } from './cursors.js';
import { withDecisionTerms } from './decision-terms.js';
import { EngineEmitter } from './engine-events.js';
import { expiryTime } from './expiry-time.js';

export interface EngineOptions {
  store: ApprovalStore;
  clock: Clock;
  config: HubConfig;
  logger: Logger;
  auditor: RejectionAuditor;
  crashHook?: CrashHook | undefined;
}

/**
 * What every part of the engine shares: the store, the clock, the live config, the listeners, and the two writes
 * that report something to the outside (a request's arrival, a transition out of `pending`), which carry their
 * notifications (outbox rows) in the same transaction, the way they carry their audit events.
 */
export class EngineCore {
  readonly store: ApprovalStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly crash: CrashHook;
  readonly events: EngineEmitter;
  config: HubConfig;
  /** The hub's bounded clock for deadlines (`approval.clockStepToleranceMs`). */
  expiryNow: () => number;
  /** Where refused attempts are recorded (against the principal that made them, rate-limited). */
  readonly auditor: RejectionAuditor;
  cursors: CursorCodec | null = null;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.log = options.logger;
    this.auditor = options.auditor;
    this.crash = options.crashHook ?? (() => {});
    this.config = options.config;
    this.events = new EngineEmitter(options.logger);
    this.expiryNow = expiryTime(this.clock, this.config.approval.clockStepToleranceMs);
  }

  updateConfig(config: HubConfig): void {
    if (config.approval.clockStepToleranceMs !== this.config.approval.clockStepToleranceMs) {
      this.expiryNow = expiryTime(this.clock, config.approval.clockStepToleranceMs);
    }
    this.config = config;
  }

  get codec(): CursorCodec {
    if (!this.cursors) throw new Error('engine not started');
    return this.cursors;
  }

  /** A request as stored, with the terms a decision names (`argsDigest`, `proposal`): every record the engine hands out is read here. */
  async read(requestId: string, scope: ReadScope): Promise<StoredRequest | null> {
    const stored = await this.store.getRequest(requestId, scope);
    return stored && { ...stored, record: withDecisionTerms(stored.record) };
  }

  /** Inserts a request with the notifications its arrival causes (routed by the live `notifications` config). */
  insertRequest(input: Omit<InsertRequest, 'outbox'>): Promise<InsertOutcome> {
    const { record } = input;
    const config = this.config.notifications;
    const outbox = record.status === 'pending' ? requestedNotifications(config, record) : resolvedNotifications(config, record, Date.parse(record.createdAt), false);
    return this.store.insertRequest({ ...input, outbox });
  }

  /** Moves a request out of `pending`, with the notifications its resolution causes. */
  transition(input: Omit<Transition, 'outbox'>): Promise<boolean> {
    const outbox = resolvedNotifications(this.config.notifications, input.record, Date.parse(input.at), true);
    return this.store.transition({ ...input, outbox });
  }
}
