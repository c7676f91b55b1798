import { z } from 'zod';

/** `always`: every tool asks; `never`: only tools whose annotations say they may destroy; `{ tools }`: the listed tools ask. */
export const RequireApproval = z.union([z.literal('always'), z.literal('never'), z.strictObject({ tools: z.array(z.string().min(1)) })]);
export type RequireApproval = z.infer<typeof RequireApproval>;

export const ClientTimeoutMode = z.enum(['block', 'pending-retry']);
export type ClientTimeoutMode = z.infer<typeof ClientTimeoutMode>;

export const ToolOverride = z.strictObject({
  /** `true` always asks; `false` never asks, whatever the tool's annotations say (the operator vouches for it). */
  requireApproval: z.boolean().optional(),
  /** Hub queue for this tool's requests; defaults to the server's queue. */
  queue: z.string().min(1).optional(),
});
export type ToolOverride = z.infer<typeof ToolOverride>;

const positiveMs = z.int().positive();

/** The config file (`--config proxy.json`). Every field is optional; flags beat the file. */
export const ProxyConfigFile = z.strictObject({
  hub: z.url().optional(),
  /** Server name: the default hub queue and the `agentName` reviewers see. */
  name: z.string().min(1).max(128).optional(),
  queue: z.string().min(1).optional(),
  /** On a trusted server, tools annotated `readOnlyHint: true` skip approval. */
  trusted: z.boolean().optional(),
  requireApproval: RequireApproval.optional(),
  tools: z.record(z.string().min(1), ToolOverride).optional(),
  mode: ClientTimeoutMode.optional(),
  /** pending-retry: how long one call waits before answering "approval pending". */
  waitMs: positiveMs.optional(),
  /** How long reviewers have before the hub's timeout rule decides. */
  timeoutMs: z.int().min(1000).optional(),
  /** How long a call waits for a connection to the hub before failing closed. */
  connectTimeoutMs: positiveMs.optional(),
  /** How often a blocked call sends a progress notification (when the client gave a progressToken). */
  progressIntervalMs: positiveMs.optional(),
  /** Also ask the person at the client (URL or form elicitation) to decide, as the reviewer of HUB_MCP_REVIEWER_TOKEN. */
  elicitApproval: z.boolean().optional(),
  upstreamUrl: z.url().optional(),
  upstreamCommand: z.array(z.string().min(1)).min(1).optional(),
  listen: z.int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  /** Host header names the listener accepts besides the loopback names and the bound address (`*`: any). */
  allowedHosts: z.array(z.string().min(1)).optional(),
  /** Browser origins the listener accepts besides loopback ones. */
  allowedOrigins: z.array(z.union([z.literal('*'), z.url()])).optional(),
  /** Listen on a non-loopback address without a token (an authenticating reverse proxy is in front). */
  allowUnauthenticatedListen: z.boolean().optional(),
});
export type ProxyConfigFile = z.infer<typeof ProxyConfigFile>;

/** What the gate needs to decide and to ask: the resolved settings of one proxied server. */
export interface ProxySettings {
  serverName: string;
  queue: string;
  trusted: boolean;
  requireApproval: RequireApproval;
  tools: Record<string, ToolOverride>;
  mode: ClientTimeoutMode;
  waitMs: number;
  timeoutMs: number | undefined;
  connectTimeoutMs: number;
  progressIntervalMs: number;
  /** Ask the client's user too (URL or form elicitation), when the client supports it and a reviewer token is mapped. */
  elicitApproval: boolean;
}

export const DEFAULT_SETTINGS = {
  requireApproval: 'always',
  waitMs: 45_000,
  connectTimeoutMs: 5_000,
  progressIntervalMs: 10_000,
} as const;

/** Fills defaults for settings given in code (the demo, tests). */
export function proxySettings(partial: Partial<ProxySettings> & { serverName: string }): ProxySettings {
  return {
    queue: partial.queue ?? partial.serverName,
    trusted: partial.trusted ?? false,
    requireApproval: partial.requireApproval ?? DEFAULT_SETTINGS.requireApproval,
    tools: partial.tools ?? {},
    mode: partial.mode ?? 'block',
    waitMs: partial.waitMs ?? DEFAULT_SETTINGS.waitMs,
    timeoutMs: partial.timeoutMs,
    connectTimeoutMs: partial.connectTimeoutMs ?? DEFAULT_SETTINGS.connectTimeoutMs,
    progressIntervalMs: partial.progressIntervalMs ?? DEFAULT_SETTINGS.progressIntervalMs,
    elicitApproval: partial.elicitApproval ?? false,
    serverName: partial.serverName,
  };
}
