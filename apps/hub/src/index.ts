export { createHub, type CreateHubOptions, type Hub } from './create-hub.js';
export { HubConfig, loadConfig, parseConfig, ConfigError, type HubConfigInput } from './config.js';
export { systemClock, type Clock } from './clock.js';
export { openSqliteStore, SqliteStore, verifyAuditChain } from './store/sqlite-store.js';
export type { ApprovalStore } from './store/store.js';
export { createLogger } from './logger.js';
