import type { HubClient } from '@approval-hub/agent-sdk';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  CompleteRequestSchema,
  CompleteResultSchema,
  GetPromptRequestSchema,
  GetPromptResultSchema,
  ListPromptsRequestSchema,
  ListPromptsResultSchema,
  ListResourcesRequestSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesRequestSchema,
  ListResourceTemplatesResultSchema,
  ListToolsRequestSchema,
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ReadResourceRequestSchema,
  ReadResourceResultSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  ToolListChangedNotificationSchema,
  UnsubscribeRequestSchema,
  EmptyResultSchema,
  type CallToolResult,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import { ApprovalGate } from './approval-gate.js';
import { riskOfAnnotations, toolNeedsApproval } from './approval-policy.js';
import type { ProxySettings } from './proxy-settings.js';
import { errorResult, textResult, toolText } from './tool-results.js';

export const APPROVAL_STATUS_TOOL = 'approval_status';
/** A tool that runs after approval may be slow; the MCP SDK's 60 s default would cut it off. */
const DEFAULT_UPSTREAM_TIMEOUT_MS = 10 * 60_000;

export interface ApprovalProxyOptions {
  /** A connected MCP client of the real server. */
  upstream: Client;
  /** A hub client (`connectHub`) whose `agentName` is usually the server name. */
  hub: HubClient;
  settings: ProxySettings;
  /** The hub's URL, for error messages. */
  hubLabel: string;
  upstreamTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface ApprovalProxy {
  /** A new MCP server toward one client session; stdio needs one, Streamable HTTP one per session. */
  createServer(): Server;
  /** Cancels requests still waiting on the hub and closes the servers (not the upstream or the hub client). */
  close(): Promise<void>;
}

const approvalStatusTool: Tool = {
  name: APPROVAL_STATUS_TOOL,
  title: 'Approval status',
  description:
    'Check a pending human approval that another tool call of this server returned ("approval pending (id …)"). ' +
    'To run the approved call, call that tool again with the same arguments.',
  inputSchema: { type: 'object', properties: { requestId: { type: 'string', description: 'The id from the pending answer' } }, required: ['requestId'] },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

/**
 * The proxy: toward the client an MCP server mirroring the upstream's tools, resources and prompts verbatim
 * (low-level `Server`, so JSON Schemas and annotations are never re-derived); toward the upstream an MCP client.
 * Gated tool calls reach the upstream only with a hub decision, and with the decided arguments.
 */
export function createApprovalProxy(options: ApprovalProxyOptions): ApprovalProxy {
  const { upstream, settings } = options;
  const log = options.log ?? (() => {});
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  const gate = new ApprovalGate(options.hub, settings, options.hubLabel);
  const servers = new Set<Server>();
  const tools = new Map<string, Tool>();
  const upstreamCaps: ServerCapabilities = upstream.getServerCapabilities() ?? {};
  const upstreamInfo = upstream.getServerVersion() ?? { name: settings.serverName, version: '0.0.0' };
  let upstreamGone: string | null = null;

  const previousOnClose = upstream.onclose;
  upstream.onclose = () => {
    upstreamGone = 'the upstream MCP server has exited or disconnected';
    log('upstream MCP server closed the connection');
    previousOnClose?.();
  };

  const broadcast = (send: (server: Server) => Promise<void>) => {
    for (const server of servers) send(server).catch(() => {});
  };
  upstream.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    tools.clear();
    broadcast((s) => s.sendToolListChanged());
  });
  upstream.setNotificationHandler(ResourceListChangedNotificationSchema, () => broadcast((s) => s.sendResourceListChanged()));
  upstream.setNotificationHandler(PromptListChangedNotificationSchema, () => broadcast((s) => s.sendPromptListChanged()));
  upstream.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => broadcast((s) => s.sendResourceUpdated(n.params)));
  upstream.setNotificationHandler(LoggingMessageNotificationSchema, (n) => broadcast((s) => s.sendLoggingMessage(n.params)));

  const toolOf = async (name: string): Promise<Tool | undefined> => {
    if (!tools.has(name)) {
      let cursor: string | undefined;
      do {
        const page = await upstream.listTools(cursor ? { cursor } : undefined);
        for (const tool of page.tools) tools.set(tool.name, tool);
        cursor = page.nextCursor;
      } while (cursor);
    }
    return tools.get(name);
  };

  const callUpstream = async (name: string, args: Record<string, unknown>, meta: Record<string, unknown> | undefined, signal: AbortSignal): Promise<CallToolResult> => {
    if (upstreamGone) return errorResult(toolText.upstreamDown(name, upstreamGone));
    try {
      // `request`, not `callTool`: the result passes through unchanged; validating it is the client's business.
      return await upstream.request({ method: 'tools/call', params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) } }, CallToolResultSchema, { signal, timeout: upstreamTimeoutMs });
    } catch (error) {
      if (signal.aborted) throw error;
      const why = upstreamGone ?? `the upstream MCP server failed: ${error instanceof Error ? error.message : String(error)}`;
      return errorResult(toolText.upstreamDown(name, why));
    }
  };

  const capabilities: ServerCapabilities = { tools: { listChanged: true } };
  if (upstreamCaps.resources) capabilities.resources = upstreamCaps.resources;
  if (upstreamCaps.prompts) capabilities.prompts = upstreamCaps.prompts;
  if (upstreamCaps.completions) capabilities.completions = upstreamCaps.completions;
  if (upstreamCaps.logging) capabilities.logging = upstreamCaps.logging;
  const withStatusTool = settings.mode === 'pending-retry';

  return {
    createServer() {
      const instructions = upstream.getInstructions();
      const server = new Server({ name: upstreamInfo.name, version: upstreamInfo.version }, { capabilities, ...(instructions ? { instructions } : {}) });
      // stdio has no MCP session id; one server instance is one session.
      const ownSessionId = randomUUID();

      server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
        const page = await upstream.listTools(request.params, { signal: extra.signal });
        for (const tool of page.tools) tools.set(tool.name, tool);
        const clash = page.tools.some((t) => t.name === APPROVAL_STATUS_TOOL);
        if (withStatusTool && !page.nextCursor && !clash) return { ...page, tools: [...page.tools, approvalStatusTool] };
        return page;
      });

      server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
        const { name, _meta } = request.params;
        const args = request.params.arguments ?? {};
        if (withStatusTool && name === APPROVAL_STATUS_TOOL && !tools.has(APPROVAL_STATUS_TOOL)) {
          const requestId = typeof args.requestId === 'string' ? args.requestId : '';
          return textResult(gate.status(requestId));
        }
        if (upstreamGone) return errorResult(toolText.upstreamDown(name, upstreamGone));
        const tool = await toolOf(name).catch(() => undefined);
        const forward = (decidedArgs: Record<string, unknown>, signal: AbortSignal) => callUpstream(name, decidedArgs, _meta, signal);
        // An unknown tool gets no annotations, so it counts as destructive and asks.
        if (!toolNeedsApproval(settings, name, tool?.annotations)) return forward(args, extra.signal);

        const progressToken = _meta?.progressToken;
        let progress = 0;
        const sessionId = extra.sessionId ?? ownSessionId;
        return gate.run(
          {
            sessionId,
            toolName: name,
            args,
            ...(tool?.description ? { description: tool.description } : {}),
            risk: riskOfAnnotations(tool?.annotations, settings.trusted),
            ...(tool?.annotations?.title ? { summary: `${tool.annotations.title} (${settings.serverName})` } : {}),
            signal: extra.signal,
            ...(progressToken !== undefined
              ? {
                  onWaiting: (waitedMs: number, requestId: string) => {
                    extra
                      .sendNotification({
                        method: 'notifications/progress',
                        params: { progressToken, progress: ++progress, message: `Waiting for a human to approve ${name} (request ${requestId}, ${Math.round(waitedMs / 1000)} s)` },
                      })
                      .catch(() => {});
                  },
                }
              : {}),
          },
          forward,
        );
      });

      const forwardTo = <R>(schema: R) => (request: { method: string; params?: unknown }, extra: { signal: AbortSignal }) =>
        upstream.request({ method: request.method, params: request.params as never }, schema as never, { signal: extra.signal });
      if (upstreamCaps.resources) {
        server.setRequestHandler(ListResourcesRequestSchema, forwardTo(ListResourcesResultSchema));
        server.setRequestHandler(ListResourceTemplatesRequestSchema, forwardTo(ListResourceTemplatesResultSchema));
        server.setRequestHandler(ReadResourceRequestSchema, forwardTo(ReadResourceResultSchema));
        if (upstreamCaps.resources.subscribe) {
          server.setRequestHandler(SubscribeRequestSchema, forwardTo(EmptyResultSchema));
          server.setRequestHandler(UnsubscribeRequestSchema, forwardTo(EmptyResultSchema));
        }
      }
      if (upstreamCaps.prompts) {
        server.setRequestHandler(ListPromptsRequestSchema, forwardTo(ListPromptsResultSchema));
        server.setRequestHandler(GetPromptRequestSchema, forwardTo(GetPromptResultSchema));
      }
      if (upstreamCaps.completions) server.setRequestHandler(CompleteRequestSchema, forwardTo(CompleteResultSchema));
      if (upstreamCaps.logging) server.setRequestHandler(SetLevelRequestSchema, forwardTo(EmptyResultSchema));

      servers.add(server);
      const previous = server.onclose;
      server.onclose = () => {
        servers.delete(server);
        previous?.();
      };
      return server;
    },
    async close() {
      await Promise.allSettled([...servers].map((s) => s.close()));
      gate.closeAll();
      // Aborting makes the hub client emit approval.cancel; let that reach the socket before anyone closes the client.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
