import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { QueueName } from '@approval-hub/protocol';
import { z } from 'zod';
import { CrashAt } from './crash-hook.js';

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
  match: z
    .strictObject({
      toolName: z.string().optional(),
      agentName: z.string().optional(),
      queue: z.string().optional(),
    })
    .refine((m) => Object.keys(m).length > 0, 'match needs at least one of toolName, agentName, queue'),
  action: z.enum(['approve', 'deny']),
  reason: z.string().max(2000).optional(),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

export const HubConfig = z
  .strictObject({
    port: z.int().min(0).max(65535).default(4000),
    host: z.string().default('127.0.0.1'),
    dbPath: z.string().min(1).default('./data/approval-hub.db'),
    /** `normal`: WAL, survives an application crash. `full`: also fsyncs every (grouped) commit. */
    durability: z.enum(['normal', 'full']).default('normal'),
    /** Browser origins allowed besides the hub's own. */
    allowedOrigins: z.array(z.url()).default([]),
    tokens: z.array(TokenConfig).default([]),
    approval: z
      .strictObject({
        defaultTimeoutMs: z.int().min(1000).default(300_000),
        maxTimeoutMs: z.int().min(1000).default(86_400_000),
        defaultOnTimeout: z.enum(['deny', 'approve']).default('deny'),
        policies: z.array(PolicyRule).default([]),
      })
      .prefault({})
      .refine((a) => a.defaultTimeoutMs <= a.maxTimeoutMs, {
        message: 'defaultTimeoutMs must not exceed maxTimeoutMs',
        path: ['defaultTimeoutMs'],
      }),
    limits: z
      .strictObject({
        maxPayloadBytes: z.int().min(1024).max(16 * 1024 * 1024).default(65_536),
        /** Sustained events (or REST calls) per second per socket (or token); bursts up to `rateBurst`. */
        ratePerSecond: z.number().positive().default(100),
        rateBurst: z.int().positive().default(200),
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
      })
      .prefault({}),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((config, ctx) => {
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
  });
export type HubConfig = z.infer<typeof HubConfig>;
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

/**
 * Reads the config the way the entry point does: a JSON file (`--config` or `HUB_CONFIG`),
 * then `--port`/`PORT`, `--db`/`HUB_DB` and `--no-demo` on top. The only reader of `process.env`.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      db: { type: 'string' },
      'no-demo': { type: 'boolean' },
      demo: { type: 'boolean' },
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
  const db = values.db ?? env.HUB_DB;
  if (db !== undefined) raw.dbPath = db;
  if (values['no-demo']) raw.demo = { ...(raw.demo as object | undefined), enabled: false };
  const config = parseConfig(raw, configFile ? `config file ${configFile}` : 'config');
  if (configFile && !path.isAbsolute(config.dbPath) && values.db === undefined && env.HUB_DB === undefined) {
    config.dbPath = path.resolve(path.dirname(configFile), config.dbPath);
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
