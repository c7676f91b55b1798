import type { AuthThrottle } from '../identity/auth-throttle.js';
import type { Clock } from '../runtime/clock.js';
import type { HubConfig } from '../config.js';
import type { ApprovalEngine } from '../engine/approval-engine.js';
import type { Logger } from '../runtime/logger.js';
import type { PrincipalBudgets } from '../limits/principal-budgets.js';
import type { PrincipalDirectory } from '../identity/principals.js';
import type { RejectionAuditor } from '../audit/rejection-audit.js';

/** What the transports share; they reach the data only through the engine. `config` and `principals` are the live ones: a reload replaces them. */
export interface HubContext {
  readonly config: HubConfig;
  readonly principals: PrincipalDirectory;
  readonly engine: ApprovalEngine;
  readonly clock: Clock;
  readonly log: Logger;
  readonly auditor: RejectionAuditor;
  /** Failed handshakes and 401s per client address (sockets, REST and the metrics route share it). */
  readonly authThrottle: AuthThrottle;
  /** Decision links that do not verify, per client address: their own bucket, so they cannot lock out bearer tokens. */
  readonly linkThrottle: AuthThrottle;
  /** Slack interactions with a bad signature, per client address: their own bucket as well. */
  readonly slackThrottle: AuthThrottle;
  /** Per-token budgets whatever the route or event: bytes written per minute, open long-polls. */
  readonly budgets: PrincipalBudgets;
  readonly startedAt: number;
  readonly version: string;
}
