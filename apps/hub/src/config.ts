import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ArgMatcherInput, DEFAULT_GRANT_TTL_MS, QueueName, RiskLevel } from '@approval-hub/protocol';
import { z } from 'zod';
import { CrashAt } from './runtime/crash-hook.js';
import { isAddressOrCidr } from './http/client-address.js';
import { NotificationsConfig } from './notifications/notifications-config.js';

const TokenConfig = z.strictObject({
  token: z.string().min(16, 'tokens must be at least 16 characters'),
  role: z.enum(['agent', 'reviewer', 'admin']),
  name: z.string().min(1).max(128),
  /** Stable id shown in decisions; defaults to the name. */
  id: z.string().min(1).max(128).optional(),
  /** Queues a reviewer may see and decide; absent = all. Ignored for agents and admins. */
  queues: z.array(QueueName).min(1).optional(),
});
export type TokenConfig = z.infer<typeof TokenConfig>;

const PolicyRule = z.strictObject({
  /** Shown as `decidedBy: { kind: 'policy', rule }`. */
  rule: z.string().min(1).max(128),
  /**
   * Every given field must equal the request's (`*` = any). `principal` is the agent token's id and `agentName`
   * the token's name: both come from the token, never from what the agent claims in its request.
   */
  match: z
    .strictObject({
      toolName: z.string().optional(),
      principal: z.string().optional(),
      agentName: z.string().optional(),
      queue: z.string().optional(),
    })
    .refine((m) => Object.keys(m).length > 0, 'match needs at least one of toolName, principal, agentName, queue'),
  action: z.enum(['approve', 'deny']),
  reason: z.string().max(2000).optional(),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

const RiskRule = z.strictObject({
  /** Shown to reviewers as the reason the risk was raised; defaults to a description of the match. */
  rule: z.string().min(1).max(128).optional(),
  /**
   * Every given field must match (`*` = any; in `toolName`, `*` also stands for any run of characters, as in
   * `delete_*`). `principal`/`agentName` are the token's; `args` takes the grant matchers (a bare value must be
   * equal, a bare string with `*` is a glob), read as a protective rule reads them.
   */
  match: z
    .strictObject({
      toolName: z.string().optional(),
      principal: z.string().optional(),
      agentName: z.string().optional(),
      queue: z.string().optional(),
      args: z.record(z.string(), ArgMatcherInput).optional(),
    })
    .refine((m) => Object.keys(m).length > 0, 'match needs at least one of toolName, principal, agentName, queue, args'),
  /** The least risk a matching request gets: a higher risk from the agent stays; a lower one is raised to this. */
  risk: RiskLevel,
});
export type RiskRule = z.infer<typeof RiskRule>;

/**
 * Which requests a quorum or escalation rule applies to: every given field must match. `toolName` and `agentName`
 * (the token's name) take `*` patterns; `args` the same matchers as grants (`{ gte: 1000 }`, `{ glob }`, ...).
 */
const RuleMatch = z.strictObject({
  toolName: z.string().min(1).optional(),
  queue: z.string().min(1).optional(),
  agentName: z.string().min(1).optional(),
  args: z.record(z.string(), ArgMatcherInput).optional(),
});
export type RuleMatch = z.infer<typeof RuleMatch>;

const QuorumRule = z.strictObject({
  /** Shown on the request (`quorum.rule`) and in the audit log. */
  rule: z.string().min(1).max(128),
  /** Absent or `{}`: every request. */
  match: RuleMatch.default({}),
  /** Approvals from distinct reviewers a matching request needs (1 = an ordinary request); any single deny decides it. */
  approvals: z.int().min(1).max(20),
});
export type QuorumRule = z.infer<typeof QuorumRule>;

const EscalationRule = z.strictObject({
  rule: z.string().min(1).max(128).optional(),
  /** Absent or `{}`: every request. */
  match: RuleMatch.default({}),
  /** Still pending this long after it arrived: moved to `toQueue` (its deadline stays). */
  afterMs: z.int().min(1),
  toQueue: QueueName,
});
export type EscalationRule = z.infer<typeof EscalationRule>;

const Durability = z.enum(['normal', 'full']);
export const DEFAULT_DB_PATH = './data/approval-hub.db';

/** True for a URL PostgreSQL's clients accept: `postgres://` or `postgresql://`, with a host or a socket path. */
function isPostgresUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'postgres:' || parsed.protocol === 'postgresql:') && (parsed.hostname !== '' || parsed.searchParams.has('host'));
  } catch {
    return false;
  }
}

/** Where the hub keeps its data: an embedded SQLite file (one hub), or a PostgreSQL database (one or many hubs). */
const DatabaseConfig = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('sqlite'),
    path: z.string().min(1).default(DEFAULT_DB_PATH),
    /** `normal`: WAL, survives an application crash. `full`: also fsyncs every (grouped) commit. */
    durability: Durability.default('normal'),
  }),
  z.strictObject({
    kind: z.literal('postgres'),
    /** The message never repeats the URL: it may hold a password. */
    url: z.string().refine(isPostgresUrl, 'must be a postgres:// or postgresql:// URL, such as postgres://user:password@localhost:5432/approval_hub'),
  }),
]);
export type DatabaseConfig = z.infer<typeof DatabaseConfig>;

const QueueConfig = z.strictObject({
  name: QueueName,
  /** Shortest deadline an agent may ask for in this queue (overrides `approval.minTimeoutMs`). */
  minTimeoutMs: z.int().min(1000).optional(),
});

export const HubConfig = z
  .strictObject({
    port: z.int().min(0).max(65535).default(4000),
    host: z.string().default('127.0.0.1'),
    database: DatabaseConfig.optional(),
    /** Alias of `database.path` (SQLite). */
    dbPath: z.string().min(1).optional(),
    /** Alias of `database.durability` (SQLite). */
    durability: Durability.optional(),
    /** The queues requests may go to; when listed, a request for any other queue is refused. Empty = any queue. */
    queues: z.array(QueueConfig).default([]),
    /**
     * Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` is believed: the client is the first
     * untrusted hop from the right. Empty = the TCP peer is the client (the hub faces clients directly).
     */
    trustedProxies: z.array(z.string().refine(isAddressOrCidr, 'must be an IP address or a CIDR range such as 10.0.0.0/8')).max(1000).default([]),
    /** Browser origins allowed besides the hub's own. */
    allowedOrigins: z.array(z.url()).default([]),
    tokens: z.array(TokenConfig).default([]),
    approval: z
      .strictObject({
        defaultTimeoutMs: z.int().min(1000).default(300_000),
        /** Shortest deadline an agent may ask for (per queue: `queues[].minTimeoutMs`). */
        minTimeoutMs: z.int().min(1000).default(1000),
        maxTimeoutMs: z.int().min(1000).default(86_400_000),
        /** Dangerous when `approve`: anything nobody looks at in time is approved. The hub warns at start. */
        defaultOnTimeout: z.enum(['deny', 'approve']).default('deny'),
        /** How far deadlines may run ahead of really elapsed (monotonic) time when the wall clock steps forward. */
        clockStepToleranceMs: z.int().min(0).default(60_000),
        policies: z.array(PolicyRule).default([]),
        /** Raise a matching request's risk (never lower it): `[{ match, risk }]`, every matching rule counts. */
        risk: z.array(RiskRule).max(1000).default([]),
        /** Requests that need several distinct reviewers; the first matching rule counts. */
        quorum: z.array(QuorumRule).max(1000).default([]),
        /** Requests moved to another queue when still pending after a while; the first matching rule counts. */
        escalation: z.array(EscalationRule).max(1000).default([]),
        /** Standing grants reviewers attach to decisions. */
        grants: z
          .strictObject({
            /** A grant's lifetime when the reviewer gives none. */
            defaultTtlMs: z.int().min(1000).default(DEFAULT_GRANT_TTL_MS),
            /** The longest a grant may live, whatever the reviewer asks for. */
            maxTtlMs: z.int().min(1000).default(7 * 86_400_000),
          })
          .prefault({}),
      })
      .prefault({})
      .refine((a) => a.defaultTimeoutMs <= a.maxTimeoutMs, {
        message: 'defaultTimeoutMs must not exceed maxTimeoutMs',
        path: ['defaultTimeoutMs'],
      })
      .refine((a) => a.minTimeoutMs <= a.maxTimeoutMs, { message: 'minTimeoutMs must not exceed maxTimeoutMs', path: ['minTimeoutMs'] }),
    limits: z
      .strictObject({
        maxPayloadBytes: z.int().min(1024).max(16 * 1024 * 1024).default(65_536),
        /** Sustained events (or REST calls) per second per socket (or token); bursts up to `rateBurst`. */
        ratePerSecond: z.number().positive().default(100),
        rateBurst: z.int().positive().default(200),
        /** Pending requests one agent token may have at once; more are refused with `quota_exceeded`. */
        maxPendingPerAgent: z.int().positive().default(1000),
        /** Pending requests one queue may hold at once. */
        maxPendingPerQueue: z.int().positive().default(10_000),
        /** Stored bytes one list page (REST lists, queue snapshots) may carry before it is cut short. */
        maxPageBytes: z.int().min(64 * 1024).default(4 * 1024 * 1024),
        /** Undelivered decisions sent to one new agent connection at once; the rest follow as it acknowledges. */
        redeliveryBatch: z.int().positive().max(1000).default(50),
        /**
         * Bytes one token (principal) may write per minute, on each node: request, cancel and decision bodies plus
         * 512 bytes a write for its audit row. Over it, writes are refused `rate_limited` (the budget named in
         * `details`) until the allowance refills. At the default one token writes at most ~1.4 GiB a day.
         */
        writeBytesPerMinute: z.int().min(64 * 1024).max(1024 * 1024 * 1024).default(1024 * 1024),
        /** Long-polls (`GET /api/approvals/:id/wait`) one token may hold open at once, on each node; more are refused `rate_limited`. */
        maxLongPollsPerToken: z.int().min(1).max(100_000).default(20),
        /** Sockets one token (principal) may hold open at once, over both namespaces; more are refused `rate_limited`. */
        maxSocketsPerToken: z.int().min(1).max(100_000).default(50),
        /** Socket.IO connections in total, counted before authentication; more are refused `rate_limited`. */
        maxConnections: z.int().min(1).max(1_000_000).default(10_000),
        /** TCP connections that have not yet sent a complete request; past this the oldest is closed. */
        maxIdleConnections: z.int().min(1).max(1_000_000).default(256),
        /** Time a client has to send a request's headers before the connection is closed. */
        headersTimeoutMs: z.int().min(1000).max(120_000).default(10_000),
        /** Failed authentications (handshakes, 401s) one remote address may make at once before it is answered `rate_limited`... */
        authFailureBurst: z.int().min(1).max(100_000).default(100),
        /** ...and how fast that allowance comes back. */
        authFailuresPerMinute: z.number().positive().max(1_000_000).default(60),
      })
      .prefault({}),
    demo: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Mean pause between one demo agent's requests. */
        intervalMs: z.int().min(200).default(6000),
        /** An OpenAI-compatible chat-completions model for the demo agents (from OPENAI_BASE_URL); scripted without one. */
        model: z.strictObject({ baseURL: z.url(), apiKey: z.string().min(1).optional(), model: z.string().min(1) }).optional(),
      })
      .prefault({}),
    /** Purges decided requests and their undelivered decisions this long after they were resolved; off when absent. */
    retention: z
      .strictObject({
        decidedAfterDays: z.number().positive().max(36_500),
        /** How often the purge runs (it also runs shortly after start). */
        intervalMs: z.int().min(1000).max(86_400_000).default(3_600_000),
        /** Requests per purge transaction; batches run one after another, never holding the database for long. */
        batchSize: z.int().min(1).max(10_000).default(500),
      })
      .optional(),
    /** Prometheus metrics: `GET /metrics` with an admin token always; unauthenticated on `port` (off unless set). */
    metrics: z
      .strictObject({
        port: z.int().min(0).max(65535).optional(),
        /** Where the unauthenticated metrics port listens: this machine only, unless you say otherwise. */
        host: z.string().min(1).default('127.0.0.1'),
      })
      .prefault({}),
    /** Webhooks, Slack and email for new requests, decisions and escalations (notifications/); off when absent. */
    notifications: NotificationsConfig.optional(),
    /**
     * Signed single-use decision links (`<publicUrl>/d/<token>`). `publicUrl`: where reviewers reach this hub (links
     * are built on it; default the address it listens on). `signingKey`: the HMAC key (at least 32 characters);
     * without it a random key kept in the database is used. Changing it voids every link issued before.
     */
    decisionLinks: z
      .strictObject({
        publicUrl: z.url({ protocol: /^https?$/ }).optional(),
        signingKey: z.string().min(32, 'decisionLinks.signingKey must be at least 32 characters').optional(),
      })
      .prefault({}),
    /** `auto`: human-readable when stdout is a terminal, JSON lines otherwise. */
    logFormat: z.enum(['auto', 'json', 'pretty']).default('auto'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((config, ctx) => {
    // An escalation into a queue the hub does not accept would strand requests where no reviewer looks.
    if (config.queues.length > 0) {
      config.approval.escalation.forEach((rule, i) => {
        if (!config.queues.some((q) => q.name === rule.toQueue)) {
          ctx.addIssue({ code: 'custom', message: `toQueue "${rule.toQueue}" is not one of the configured queues`, path: ['approval', 'escalation', i, 'toQueue'] });
        }
      });
    }
    const seen = new Set<string>();
    const principalIds = new Map<string, number>();
    config.tokens.forEach((t, i) => {
      if (seen.has(t.token)) ctx.addIssue({ code: 'custom', message: 'duplicate token', path: ['tokens', i, 'token'] });
      seen.add(t.token);
      // Decisions, the audit log, per-token limits and delivery are all keyed by the principal id: two tokens
      // sharing one would be indistinguishable (and one could read or cancel the other's requests).
      const id = t.id ?? t.name;
      const first = principalIds.get(id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', message: `principal id "${id}" is already used by tokens[${first}]; give each token its own id (or name)`, path: ['tokens', i, t.id === undefined ? 'name' : 'id'] });
      } else {
        principalIds.set(id, i);
      }
      if (t.role === 'admin' && t.queues !== undefined) {
        ctx.addIssue({ code: 'custom', message: 'an admin token sees and decides every queue, so `queues` would not restrict it; remove `queues`, or use the reviewer role to limit a token to some queues', path: ['tokens', i, 'queues'] });
      }
    });
    checkNotificationReviewers(config, ctx);
  })
  .transform(({ dbPath, durability, ...config }, ctx) => {
    if (config.database && (dbPath !== undefined || durability !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'dbPath and durability are aliases of database.path and database.durability: give one or the other', path: ['database'] });
      return z.NEVER;
    }
    const database: DatabaseConfig = config.database ?? { kind: 'sqlite', path: dbPath ?? DEFAULT_DB_PATH, durability: durability ?? 'normal' };
    return { ...config, database };
  });
export type HubConfig = z.output<typeof HubConfig>;

/** Email recipients and Slack users decide as reviewers: each must name a reviewer or admin token's principal id. */
function checkNotificationReviewers(config: { tokens: TokenConfig[]; notifications?: NotificationsConfig | undefined }, ctx: z.RefinementCtx): void {
  const deciders = new Set(config.tokens.filter((t) => t.role !== 'agent').map((t) => t.id ?? t.name));
  config.notifications?.channels.forEach((channel, i) => {
    const people = channel.kind === 'email' ? channel.to.map((r, j) => ({ reviewer: r.reviewer, path: ['to', j, 'reviewer'] })) : channel.kind === 'slack' ? channel.users.map((u, j) => ({ reviewer: u.reviewer, path: ['users', j, 'reviewer'] })) : [];
    for (const { reviewer, path } of people) {
      if (deciders.has(reviewer)) continue;
      // Dev tokens (made when the config lists none) live beside the database, not in the config, so they cannot be named here.
      const devTokens = config.tokens.length === 0 || reviewer.startsWith('dev-');
      const message = devTokens
        ? `"${reviewer}" is not the id of a reviewer or admin token in "tokens": dev tokens (made when the config lists no tokens) cannot receive email or Slack messages; add { "token": …, "role": "reviewer", "name": …, "id": "${reviewer}" } to "tokens"`
        : `"${reviewer}" is not the id of a reviewer or admin token in "tokens" (ids: ${[...deciders].join(', ') || 'none'})`;
      ctx.addIssue({ code: 'custom', message, path: ['notifications', 'channels', i, ...path] });
    }
  });
}
export type HubConfigInput = z.input<typeof HubConfig>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates a config object; the error names every bad field by its path. */
export function parseConfig(input: unknown, source = 'config'): HubConfig {
  const result = HubConfig.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ConfigError(`Invalid ${source}:\n${lines.join('\n')}`);
}

export interface CliOptions {
  config: HubConfig;
  configFile: string | undefined;
}

type DatabaseOverride = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/**
 * The database named on the command line, else in the environment (`--db`/`HUB_DB` for SQLite,
 * `--database-url`/`DATABASE_URL` for PostgreSQL); undefined leaves the file's choice. A path and a URL at the same
 * level are refused: which one was meant cannot be guessed.
 */
function databaseOverride(dbFlag: string | undefined, urlFlag: string | undefined, env: NodeJS.ProcessEnv): DatabaseOverride | undefined {
  if (dbFlag !== undefined && urlFlag !== undefined) {
    throw new ConfigError('Give either --db PATH (SQLite) or --database-url URL (PostgreSQL), not both');
  }
  if (dbFlag !== undefined) return { kind: 'sqlite', path: dbFlag };
  if (urlFlag !== undefined) return { kind: 'postgres', url: urlFlag };
  if (env.HUB_DB !== undefined && env.DATABASE_URL !== undefined) {
    throw new ConfigError('Both HUB_DB (a SQLite file) and DATABASE_URL (PostgreSQL) are set: unset one, or choose on the command line with --db or --database-url');
  }
  if (env.HUB_DB !== undefined) return { kind: 'sqlite', path: env.HUB_DB };
  if (env.DATABASE_URL !== undefined) return { kind: 'postgres', url: env.DATABASE_URL };
  return undefined;
}

/**
 * Reads the config the way the entry point does: a JSON file (`--config` or `HUB_CONFIG`), then `--port`/`PORT`, `--host`/`HUB_HOST`,
 * `HUB_TRUSTED_PROXIES` (comma-separated),
 * the database (`--db`/`HUB_DB` or `--database-url`/`DATABASE_URL`) and `--no-demo` on top, the command line
 * before the environment. The only reader of `process.env`.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      'database-url': { type: 'string' },
      'no-demo': { type: 'boolean' },
      demo: { type: 'boolean' },
      'log-format': { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const configFile = values.config ?? env.HUB_CONFIG;
  let raw: Record<string, unknown> = {};
  if (configFile) {
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (error) {
      throw new ConfigError(`Cannot read config file ${configFile}: ${(error as Error).message}`);
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`Config file ${configFile} is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`Config file ${configFile} must hold a JSON object`);
  }
  const port = values.port ?? env.PORT;
  if (port !== undefined) {
    if (!/^\d+$/.test(port)) throw new ConfigError(`Invalid port: "${port}" is not a number`);
    raw.port = Number(port);
  }
  const host = values.host ?? env.HUB_HOST;
  if (host !== undefined) raw.host = host;
  const db = databaseOverride(values.db, values['database-url'], env);
  if (db?.kind === 'sqlite') {
    const fileDatabase = raw.database as { kind?: unknown } | undefined;
    if (typeof fileDatabase === 'object' && fileDatabase !== null && fileDatabase.kind !== 'postgres') raw.database = { ...fileDatabase, path: db.path };
    else if (typeof fileDatabase === 'object' && fileDatabase !== null) raw.database = { kind: 'sqlite', path: db.path };
    else raw.dbPath = db.path;
  } else if (db?.kind === 'postgres') {
    // The URL replaces whatever database the file names, SQLite aliases included.
    delete raw.dbPath;
    delete raw.durability;
    raw.database = { kind: 'postgres', url: db.url };
  }
  if (env.HUB_TRUSTED_PROXIES !== undefined && env.HUB_TRUSTED_PROXIES.trim() !== '') raw.trustedProxies = env.HUB_TRUSTED_PROXIES.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const logFormat = values['log-format'] ?? env.HUB_LOG_FORMAT;
  if (logFormat !== undefined) raw.logFormat = logFormat;
  if (values['no-demo']) raw.demo = { ...(raw.demo as object | undefined), enabled: false };
  if (env.OPENAI_BASE_URL) {
    const model = { baseURL: env.OPENAI_BASE_URL, model: env.DEMO_MODEL ?? 'gpt-4o-mini', ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}) };
    raw.demo = { ...(raw.demo as object | undefined), model };
  }
  const config = parseConfig(raw, configFile ? `config file ${configFile}` : 'config');
  if (configFile && config.database.kind === 'sqlite' && !path.isAbsolute(config.database.path) && db === undefined) {
    config.database = { ...config.database, path: path.resolve(path.dirname(configFile), config.database.path) };
  }
  return { config, configFile };
}

/**
 * Test-only: `HUB_CRASH_AT=<point>:<n>` (see crash-hook.ts). Read only by the test entry
 * (`testing/crash-main.ts`); the production entry never calls this, so the variable does nothing there.
 */
export function loadCrashAt(env: NodeJS.ProcessEnv): CrashAt | undefined {
  if (env.HUB_CRASH_AT === undefined) return undefined;
  const crashAt = CrashAt.safeParse(env.HUB_CRASH_AT);
  if (!crashAt.success) throw new ConfigError(`Invalid HUB_CRASH_AT: ${crashAt.error.issues[0]?.message ?? 'malformed'}`);
  return crashAt.data;
}
