export { createHub, type CreateHubOptions, type Hub } from './create-hub.js';
export { HubConfig, loadConfig, parseConfig, ConfigError, type HubConfigInput } from './config.js';
export { systemClock, type Clock } from './runtime/clock.js';
export { openSqliteStore, SqliteStore } from './store/sqlite/sqlite-store.js';
export { openStore } from './store/open-store.js';
export { verifyChain } from './audit/audit-chain.js';
export type { ApprovalStore } from './store/store.js';
export { createLogger } from './runtime/logger.js';
export { createDecisionLinks, signDecisionLink, type DecisionLinks, type IssuedLink } from './decision-links/decision-links.js';
