import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { defaultAccess, isLoopback, type ListenerAccess } from './listener-guard.js';
import { ClientTimeoutMode, DEFAULT_SETTINGS, ProxyConfigFile, type ProxySettings, type RequireApproval, type ToolOverride } from './proxy-settings.js';

/** A usage or config mistake: the CLI prints it and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage:
  approval-hub-mcp --hub URL [--token T] [options] -- COMMAND [ARGS...]   gate a stdio MCP server
  approval-hub-mcp --hub URL [--token T] [options] --upstream-url URL     gate a Streamable HTTP MCP server
  approval-hub-mcp permission-prompt --hub URL [--token T]                a permission prompt tool for Claude Code

Options:
  --hub URL                 Approval Hub base URL (e.g. http://localhost:4000)
  --token TOKEN             agent token (default: env HUB_AGENT_TOKEN; prefer the env)
  --config FILE             JSON config (flags beat the file)
  --name NAME               server name: default queue and agent name on the hub (default: upstream's name)
  --queue QUEUE             hub queue (default: the name)
  --require-approval R      always | never | comma-separated tool names (default: always)
  --approve-tool NAME       this tool always asks (repeatable)
  --skip-tool NAME          this tool never asks, whatever its annotations (repeatable)
  --trusted                 tools annotated readOnlyHint skip approval
  --mode M                  block | pending-retry (default: block on stdio, pending-retry with --listen)
  --wait-ms N               pending-retry: how long one call waits (default: ${DEFAULT_SETTINGS.waitMs})
  --timeout-ms N            how long reviewers have (default: the hub's)
  --connect-timeout-ms N    fail closed when the hub is not reachable within N ms (default: ${DEFAULT_SETTINGS.connectTimeoutMs})
  --progress-ms N           progress notification interval while blocked (default: ${DEFAULT_SETTINGS.progressIntervalMs})
  --elicit-approval         also ask the person at the client to decide (MCP elicitation: the request's decision link
                            in URL mode, else a form), as the reviewer of env HUB_MCP_REVIEWER_TOKEN (a token mapped
                            to that person)
  --upstream-url URL        the upstream speaks Streamable HTTP at URL
  --listen PORT             serve MCP over Streamable HTTP at http://HOST:PORT/mcp instead of stdio
  --host HOST               listen address (default: 127.0.0.1); a non-loopback address needs a listen token
  --listen-token TOKEN      clients must send Authorization: Bearer TOKEN (default: env HUB_MCP_LISTEN_TOKEN; prefer the env)
  --allowed-host NAME       also accept this Host header name (repeatable; loopback names always; * for any)
  --allowed-origin ORIGIN   also accept browser requests from this origin (repeatable; loopback origins always)
  --session-idle-ms N       close an HTTP session with no open request or stream for N ms (default: 30 minutes)
  --allow-unauthenticated-listen  listen on a non-loopback address without a token (something in front authenticates)
`;

export interface ListenOptions {
  port: number;
  host: string;
  access: ListenerAccess;
  allowUnauthenticated: boolean;
  sessionIdleMs?: number;
}

export type Upstream = { kind: 'stdio'; command: string[] } | { kind: 'http'; url: string };

export interface ProxyCommand {
  kind: 'proxy';
  hubUrl: string;
  token: string;
  /** Undefined: use the upstream's own name once connected. */
  name: string | undefined;
  settings: Omit<ProxySettings, 'serverName' | 'queue'> & { queue: string | undefined };
  upstream: Upstream;
  listen: ListenOptions | null;
  /** The reviewer token of the person at the client, for `--elicit-approval`. */
  reviewerToken: string | undefined;
}

export interface PermissionPromptCommand {
  kind: 'permission-prompt';
  hubUrl: string;
  token: string;
  queue: string;
  timeoutMs: number | undefined;
  connectTimeoutMs: number;
  listen: ListenOptions | null;
}

export type CliCommand = ProxyCommand | PermissionPromptCommand | { kind: 'help' };

const flagSpec = {
  hub: { type: 'string' },
  token: { type: 'string' },
  config: { type: 'string' },
  name: { type: 'string' },
  queue: { type: 'string' },
  'require-approval': { type: 'string' },
  'approve-tool': { type: 'string', multiple: true },
  'skip-tool': { type: 'string', multiple: true },
  trusted: { type: 'boolean' },
  mode: { type: 'string' },
  'wait-ms': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'connect-timeout-ms': { type: 'string' },
  'progress-ms': { type: 'string' },
  'elicit-approval': { type: 'boolean' },
  'upstream-url': { type: 'string' },
  listen: { type: 'string' },
  host: { type: 'string' },
  'listen-token': { type: 'string' },
  'allowed-host': { type: 'string', multiple: true },
  'allowed-origin': { type: 'string', multiple: true },
  'allow-unauthenticated-listen': { type: 'boolean' },
  'session-idle-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseFlags(args: string[]) {
  try {
    return parseArgs({ args, options: flagSpec, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Reads argv (after the node and script paths) and the one env variable the proxy uses. */
export function parseCli(argv: string[], env: { HUB_AGENT_TOKEN?: string | undefined; HUB_MCP_LISTEN_TOKEN?: string | undefined; HUB_MCP_REVIEWER_TOKEN?: string | undefined }): CliCommand {
  const dashes = argv.indexOf('--');
  const own = dashes === -1 ? argv : argv.slice(0, dashes);
  const command = dashes === -1 ? [] : argv.slice(dashes + 1);
  const parsed = parseFlags(own);
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const sub = positionals[0];
  if (positionals.length > 1 || (sub !== undefined && sub !== 'permission-prompt')) {
    throw new UsageError(`unexpected argument "${positionals.find((p) => p !== 'permission-prompt') ?? sub}" (put the upstream command after --)`);
  }

  const file = values.config ? readConfigFile(values.config) : {};
  const hubUrl = values.hub ?? file.hub;
  if (!hubUrl) throw new UsageError('--hub is required (or "hub" in the config file)');
  if (!z.url().safeParse(hubUrl).success) throw new UsageError(`--hub: not a URL: ${hubUrl}`);
  const token = values.token ?? env.HUB_AGENT_TOKEN;
  if (!token) throw new UsageError('an agent token is required: set HUB_AGENT_TOKEN (or pass --token)');
  const timeoutMs = intFlag('--timeout-ms', values['timeout-ms'], 1000) ?? file.timeoutMs;
  const connectTimeoutMs = intFlag('--connect-timeout-ms', values['connect-timeout-ms'], 1) ?? file.connectTimeoutMs ?? DEFAULT_SETTINGS.connectTimeoutMs;
  const listenPort = intFlag('--listen', values.listen, 0) ?? file.listen;
  if (listenPort !== undefined && listenPort > 65535) throw new UsageError('--listen: not a port');
  const listen = listenPort === undefined ? null : listenOptions(listenPort, values, file, env);

  if (sub === 'permission-prompt') {
    if (command.length > 0 || values['upstream-url']) throw new UsageError('permission-prompt takes no upstream server');
    return { kind: 'permission-prompt', hubUrl, token, queue: values.queue ?? file.queue ?? 'claude-code', timeoutMs, connectTimeoutMs, listen };
  }

  const upstreamUrl = values['upstream-url'] ?? file.upstreamUrl;
  const upstreamCommand = command.length > 0 ? command : file.upstreamCommand;
  if (upstreamUrl && command.length > 0) throw new UsageError('give either --upstream-url or a command after --, not both');
  let upstream: Upstream;
  if (upstreamUrl) {
    if (!z.url().safeParse(upstreamUrl).success) throw new UsageError(`--upstream-url: not a URL: ${upstreamUrl}`);
    upstream = { kind: 'http', url: upstreamUrl };
  } else if (upstreamCommand) {
    upstream = { kind: 'stdio', command: upstreamCommand };
  } else {
    throw new UsageError('no upstream server: put its command after -- or pass --upstream-url');
  }

  const elicitApproval = values['elicit-approval'] ?? file.elicitApproval ?? false;
  if (elicitApproval && !env.HUB_MCP_REVIEWER_TOKEN) throw new UsageError('--elicit-approval needs HUB_MCP_REVIEWER_TOKEN: the reviewer token of the person at the client');
  const mode = values.mode === undefined ? file.mode : parseEnum('--mode', ClientTimeoutMode, values.mode);
  const tools: Record<string, ToolOverride> = structuredClone(file.tools ?? {});
  for (const name of values['approve-tool'] ?? []) tools[name] = { ...tools[name], requireApproval: true };
  for (const name of values['skip-tool'] ?? []) tools[name] = { ...tools[name], requireApproval: false };
  return {
    kind: 'proxy',
    hubUrl,
    token,
    name: values.name ?? file.name,
    upstream,
    listen,
    reviewerToken: elicitApproval ? env.HUB_MCP_REVIEWER_TOKEN : undefined,
    settings: {
      queue: values.queue ?? file.queue,
      trusted: values.trusted ?? file.trusted ?? false,
      requireApproval: values['require-approval'] === undefined ? (file.requireApproval ?? DEFAULT_SETTINGS.requireApproval) : parseRequireApproval(values['require-approval']),
      tools,
      // Remote clients (claude.ai connectors) abandon a call after about a minute; local stdio clients wait.
      mode: mode ?? (listen ? 'pending-retry' : 'block'),
      waitMs: intFlag('--wait-ms', values['wait-ms'], 1) ?? file.waitMs ?? DEFAULT_SETTINGS.waitMs,
      timeoutMs,
      connectTimeoutMs,
      progressIntervalMs: intFlag('--progress-ms', values['progress-ms'], 1) ?? file.progressIntervalMs ?? DEFAULT_SETTINGS.progressIntervalMs,
      elicitApproval,
    },
  };
}

function listenOptions(
  port: number,
  values: ReturnType<typeof parseFlags>['values'],
  file: ProxyConfigFile,
  env: { HUB_MCP_LISTEN_TOKEN?: string | undefined },
): ListenOptions {
  const host = values.host ?? file.host ?? '127.0.0.1';
  const token = values['listen-token'] ?? env.HUB_MCP_LISTEN_TOKEN;
  if (token !== undefined && token.length < 16) throw new UsageError('the listen token must be at least 16 characters');
  const allowUnauthenticated = values['allow-unauthenticated-listen'] ?? file.allowUnauthenticatedListen ?? false;
  if (!isLoopback(host) && token === undefined && !allowUnauthenticated) {
    throw new UsageError(
      `--host ${host} is reachable from the network: set HUB_MCP_LISTEN_TOKEN (or --listen-token) so only clients with the token get in, ` +
        'or pass --allow-unauthenticated-listen if an authenticating reverse proxy is in front',
    );
  }
  for (const origin of values['allowed-origin'] ?? []) {
    if (origin !== '*' && !z.url().safeParse(origin).success) throw new UsageError(`--allowed-origin: not an origin: ${origin}`);
  }
  const access = defaultAccess(host, {
    allowedHosts: [...(file.allowedHosts ?? []), ...(values['allowed-host'] ?? [])],
    allowedOrigins: [...(file.allowedOrigins ?? []), ...(values['allowed-origin'] ?? [])],
    token,
  });
  const sessionIdleMs = intFlag('--session-idle-ms', values['session-idle-ms'], 1000);
  return { port, host, access, allowUnauthenticated, ...(sessionIdleMs !== undefined ? { sessionIdleMs } : {}) };
}

function readConfigFile(path: string): ProxyConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read config ${path}: ${(error as Error).message}`);
  }
  const parsed = ProxyConfigFile.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n');
    throw new UsageError(`invalid config ${path}:\n${issues}`);
  }
  return parsed.data;
}

function parseRequireApproval(value: string): RequireApproval {
  if (value === 'always' || value === 'never') return value;
  const tools = value.split(',').map((t) => t.trim()).filter(Boolean);
  if (tools.length === 0) throw new UsageError('--require-approval: expected always, never or tool names');
  return { tools };
}

function parseEnum<T extends string>(flag: string, schema: z.ZodEnum<Record<T, T>>, value: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${flag}: expected one of ${schema.options.join(', ')}, got "${value}"`);
  return parsed.data as T;
}

function intFlag(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag}: expected an integer ≥ ${min}, got "${value}"`);
  return n;
}
