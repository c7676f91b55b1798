#!/usr/bin/env node
import path from 'node:path';
import { ConfigError, DEFAULT_DB_PATH, loadConfig, type HubConfig } from './config.js';
import { createHub } from './create-hub.js';
import type { CrashHook } from './runtime/crash-hook.js';
import { demoAgentTokens } from './demo/demo-agent-names.js';
import { startDemoAgents, type DemoAgents } from './demo/start-demo-agents.js';
import { DevTokensError, loadOrCreateDevTokens } from './identity/dev-tokens.js';
import { createLogger, resolveLogFormat } from './runtime/logger.js';
import { DatabaseInUseError } from './store/sqlite/database-lock.js';
import { describeDatabase, openStore, type OpenStoreOptions } from './store/open-store.js';
import { postgresSocketAdapter } from './store/postgres/socket-adapter.js';
import { notificationSecrets } from './notifications/notification-secrets.js';
import { StoreIntegrityError, StoreUnavailableError, type ApprovalStore } from './store/store.js';

/** Test-only wiring, passed by `testing/crash-main.ts`; the production entry passes none. */
export interface TestHooks {
  crashHook?: CrashHook;
  /** Passed to the store: crash points inside a write transaction are reached on its writer thread. */
  store?: OpenStoreOptions;
}

/** The entry point: read config, open the database, listen, run the demo, shut down cleanly on a signal. */
export async function runHub(argv: string[], env: NodeJS.ProcessEnv, testHooks: TestHooks = {}): Promise<void> {
  // Everything the hub creates (data directory, database, WAL, dev tokens) is for its own user only.
  process.umask(0o077);
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(argv, env);
  } catch (error) {
    if (error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`approval-hub: ${(error as Error).message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const config: HubConfig = loaded.config;
  // Secrets are read from the live config at every line: a reload's new tokens are scrubbed too.
  let liveConfig = (): HubConfig => config;
  const log = createLogger(config.logLevel, undefined, {
    format: resolveLogFormat(config.logFormat, process.stdout.isTTY === true),
    secrets: () => [...liveConfig().tokens.map((t) => t.token), ...(liveConfig().demo.model?.apiKey ? [liveConfig().demo.model!.apiKey!] : []), ...(liveConfig().decisionLinks.signingKey ? [liveConfig().decisionLinks.signingKey!] : []), ...notificationSecrets(liveConfig().notifications)],
  });
  // Dev tokens live beside the SQLite file, or in the default data folder when the data is in PostgreSQL.
  const dataDir = path.dirname(path.resolve(config.database.kind === 'sqlite' ? config.database.path : DEFAULT_DB_PATH));

  let devTokens: ReturnType<typeof loadOrCreateDevTokens> | null = null;
  if (config.tokens.length === 0) {
    try {
      devTokens = loadOrCreateDevTokens(dataDir);
    } catch (error) {
      if (!(error instanceof DevTokensError)) throw error;
      process.stderr.write(`approval-hub: ${error.message}\n`);
      process.exit(2);
    }
    config.tokens = devTokens.tokens;
  }

  const { crashHook } = testHooks;
  let store: ApprovalStore;
  try {
    store = await openStore(config.database, testHooks.store);
  } catch (error) {
    if (error instanceof DatabaseInUseError || error instanceof StoreIntegrityError || error instanceof StoreUnavailableError) {
      process.stderr.write(`approval-hub: ${error.message}\n`);
      process.exit(3);
    }
    throw error;
  }
  // Several nodes on one PostgreSQL: reviewer broadcasts travel between them through Socket.IO's PostgreSQL adapter.
  const cluster = config.database.kind === 'postgres' ? postgresSocketAdapter(config.database.url, log) : null;
  const hub = createHub({ config, store, logger: log, crashHook, ...(cluster && { socketAdapter: cluster.adapter }) });
  liveConfig = () => hub.context.config;
  let url: string;
  let metricsUrl: string | undefined;
  try {
    ({ url, metricsUrl } = await hub.listen());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`approval-hub: port ${config.port} on ${config.host} is already in use. Choose another with --port N (or PORT=N).\n`);
      await hub.close();
      await cluster?.close();
      await store.close();
      process.exit(1);
    }
    throw error;
  }

  const reviewer = config.tokens.find((t) => t.role === 'reviewer') ?? config.tokens.find((t) => t.role === 'admin');
  const lines = [`Approval Hub ${hub.context.version} on ${url} (${describeDatabase(config.database)})`];
  if (devTokens) {
    // Only the reviewer's link: admin and agent tokens stay in the file (mode 0600), out of terminal scrollback and CI logs.
    lines.push(`Dev tokens ${devTokens.created ? 'created' : 'loaded'}: admin, reviewer and agent tokens are kept in ${devTokens.file} (readable by you only)`);
    if (reviewer) lines.push(`Console sign-in: ${url}/#token=${reviewer.token}`);
  } else {
    lines.push(`Console: ${url}/ (sign in with a reviewer token from your config)`);
  }

  lines.push(`API docs: ${url}/api/docs`);
  if (metricsUrl) lines.push(`Prometheus metrics without a token: ${metricsUrl}`);

  let demo: DemoAgents | null = null;
  const agentToken = config.tokens.find((t) => t.role === 'agent');
  if (config.demo.enabled) {
    if (agentToken) {
      demo = startDemoAgents({ url, token: agentToken.token, agentTokens: demoAgentTokens(config.tokens, agentToken.token), intervalMs: config.demo.intervalMs, log: log.child({ component: 'demo' }), model: config.demo.model });
      lines.push('Demo agents: ops-agent, billing-agent, mail-agent, and an MCP client of warehouse-db (disable with --no-demo)');
      if (config.demo.model) lines.push(`Demo agents think with ${config.demo.model.model} at ${config.demo.model.baseURL}`);
    } else {
      lines.push('Demo agents: off (no agent token in the config)');
    }
  }
  process.stdout.write(`\n${lines.map((l) => `  ${l}`).join('\n')}\n\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'hub.stopping', signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await demo?.stop();
      await hub.close();
      await cluster?.close();
      await store.close();
    } catch (error) {
      log.error({ err: error }, 'error during shutdown');
      process.exitCode = 1;
    }
    clearTimeout(force);
    process.exit();
  };
  // biome-ignore lint/complexity/noVoid: shutdown catches and logs every failure itself, then exits.
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // biome-ignore lint/complexity/noVoid: as above.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => {
    try {
      const next = loadConfig(argv, env).config;
      if (next.tokens.length === 0 && devTokens) next.tokens = devTokens.tokens;
      hub.reload(next);
    } catch (error) {
      log.error({ err: error }, 'config reload failed; keeping the running config');
    }
  });
}

const isEntry = process.argv[1] !== undefined && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href;
if (isEntry) {
  runHub(process.argv.slice(2), process.env).catch((error: unknown) => {
    process.stderr.write(`approval-hub: failed to start: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
