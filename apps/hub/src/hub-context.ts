import type { AuthThrottle } from './auth-throttle.js';
import type { Clock } from './clock.js';
import type { HubConfig } from './config.js';
import type { ApprovalEngine } from './engine/approval-engine.js';
import type { Logger } from './logger.js';
import type { PrincipalDirectory } from './principals.js';
import type { RejectionAuditor } from './rejection-audit.js';

/** What the transports share; they reach the data only through the engine. `config` and `principals` are replaced on reload. */
export interface HubContext {
  config: HubConfig;
  principals: PrincipalDirectory;
  readonly engine: ApprovalEngine;
  readonly clock: Clock;
  readonly log: Logger;
  readonly auditor: RejectionAuditor;
  /** Failed handshakes and 401s per remote address (sockets and REST share it). */
  readonly authThrottle: AuthThrottle;
  readonly startedAt: number;
  readonly version: string;
}
