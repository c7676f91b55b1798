import type { HubClient } from '@approval-hub/agent-sdk';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  CompleteRequestSchema,
  CompleteResultSchema,
  ElicitResultSchema,
  EmptyResultSchema,
  GetPromptRequestSchema,
  GetPromptResultSchema,
  InitializeRequestSchema,
  ListPromptsRequestSchema,
  ListPromptsResultSchema,
  ListResourcesRequestSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesRequestSchema,
  ListResourceTemplatesResultSchema,
  ListToolsRequestSchema,
  McpError,
  ErrorCode,
  ReadResourceRequestSchema,
  ReadResourceResultSchema,
  RootsListChangedNotificationSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  ToolListChangedNotificationSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
  type ClientCapabilities,
  type InitializeRequest,
  type InitializeResult,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import { ApprovalGate } from './approval-gate.js';
import { riskOfAnnotations, toolNeedsApproval } from './approval-policy.js';
import { askClientToDecide, type ClientDecisions, type ClientElicitationModes } from './client-decision.js';
import { ClientRoute } from './client-route.js';
import { GatedTaskStore, startTask } from './gated-tasks.js';
import { ProgressRelay } from './progress-relay.js';
import type { ProxySettings } from './proxy-settings.js';
import { ToolDefinitions, toolFingerprint, type ToolDrift } from './tool-fingerprint.js';
import { errorResult, textResult, toolText } from './tool-results.js';
import { upstreamCapabilitiesFor } from './upstream.js';

export const APPROVAL_STATUS_TOOL = 'approval_status';
/** A tool that runs after approval may be slow; the MCP SDK's 60 s default would cut it off. */
const DEFAULT_UPSTREAM_TIMEOUT_MS = 10 * 60_000;

/** Opens a dedicated upstream connection declaring `capabilities`; `prepare` installs handlers before it opens. */
export type OpenUpstream = (capabilities: ClientCapabilities, prepare: (client: Client) => void) => Promise<Client>;

export interface ApprovalProxyOptions {
  /** A connected MCP client of the real server: its name, capabilities and instructions are what clients see. */
  upstream: Client;
  /**
   * Opens one upstream connection per client session, declaring that client's sampling, elicitation and roots
   * capabilities, so whatever the upstream sends (logs, progress, resource updates, sampling and elicitation
   * requests) reaches that session alone. Without it every session shares `upstream`: fine for one session.
   */
  openUpstream?: OpenUpstream;
  /** A hub client (`connectHub`) whose `agentName` is usually the server name. */
  hub: HubClient;
  /** With `settings.elicitApproval`: the reviewer token the client's own decisions are made with. */
  clientDecisions?: ClientDecisions;
  settings: ProxySettings;
  /** The hub's URL, for error messages. */
  hubLabel: string;
  upstreamTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface ApprovalProxy {
  /** A new MCP server toward one client session; stdio needs one, Streamable HTTP one per session. */
  createServer(): Server;
  /** Cancels requests still waiting on the hub and closes the servers and the per-session upstreams. */
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

/** The SDK's own initialize answer, which the proxy runs after opening the session's upstream. */
type Initializer = { _oninitialize(request: InitializeRequest): Promise<InitializeResult> };

/** One client session: its server, its upstream connection, and what it learnt of the upstream's tools. */
interface Session {
  server: Server;
  route: ClientRoute;
  upstream: Client | null;
  dedicated: boolean;
  gone: string | null;
  tools: Map<string, Tool>;
}

/**
 * The proxy: toward each client session an MCP server mirroring the upstream's tools, resources and prompts
 * verbatim (low-level `Server`, so JSON Schemas and annotations are never re-derived); toward the upstream an MCP
 * client per session. Gated tool calls reach the upstream only with a hub decision, and with the decided arguments.
 */
export function createApprovalProxy(options: ApprovalProxyOptions): ApprovalProxy {
  const { settings } = options;
  const log = options.log ?? (() => {});
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  const gate = new ApprovalGate(options.hub, settings, options.hubLabel);
  const sessions = new Set<Session>();
  const upstreamCaps: ServerCapabilities = options.upstream.getServerCapabilities() ?? {};
  const upstreamInfo = options.upstream.getServerVersion() ?? { name: settings.serverName, version: '0.0.0' };
  const instructions = options.upstream.getInstructions();
  let sharedGone: string | null = null;
  const definitions = new ToolDefinitions((name, drift) =>
    log(`tool "${name}" changed since ${drift.since} (${drift.baseline} → ${drift.current}); its calls now need a reviewer's decision`),
  );

  if (!options.openUpstream) {
    const previousOnClose = options.upstream.onclose;
    options.upstream.onclose = () => {
      sharedGone = 'the upstream MCP server has exited or disconnected';
      log('upstream MCP server closed the connection');
      previousOnClose?.();
    };
  }

  const capabilities: ServerCapabilities = {
    tools: { listChanged: true },
    tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
  };
  if (upstreamCaps.resources) capabilities.resources = upstreamCaps.resources;
  if (upstreamCaps.prompts) capabilities.prompts = upstreamCaps.prompts;
  if (upstreamCaps.completions) capabilities.completions = upstreamCaps.completions;
  if (upstreamCaps.logging) capabilities.logging = upstreamCaps.logging;
  const withStatusTool = settings.mode === 'pending-retry';

  /** Everything the upstream sends on its own goes to this session, and nowhere else. */
  const attach = (session: Session, client: Client) => {
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      session.tools.clear();
      session.route.notify({ method: 'notifications/tools/list_changed' }).catch(() => {});
      // Fingerprinted again at once, so a change is caught (and logged) before the next call to it.
      // A listing that fails here is not lost: the cache was just cleared, so the next call lists the tools again.
      refreshTools(session).catch(() => {});
    });
    client.fallbackNotificationHandler = async (notification) => {
      await session.route.notify(notification).catch(() => {});
    };
    // Sampling, elicitation, roots: declared upstream only as far as this client declared them.
    client.fallbackRequestHandler = (request, extra) => session.route.request(request, extra.signal) as never;
  };

  const openSession = async (session: Session, clientCapabilities: ClientCapabilities | undefined) => {
    if (!options.openUpstream) {
      attach(session, options.upstream);
      session.upstream = options.upstream;
      return;
    }
    let client: Client;
    try {
      client = await options.openUpstream(upstreamCapabilitiesFor(clientCapabilities), (c) => attach(session, c));
    } catch (error) {
      log(`could not open the upstream MCP server for a session: ${error instanceof Error ? error.message : String(error)}`);
      throw new McpError(ErrorCode.InternalError, 'The upstream MCP server could not be started');
    }
    session.upstream = client;
    session.dedicated = true;
    client.onclose = () => {
      if (!session.gone) log('upstream MCP server closed the connection');
      session.gone ??= 'the upstream MCP server has exited or disconnected';
    };
  };

  const goneOf = (session: Session) => (session.dedicated ? session.gone : sharedGone);
  const upstreamOf = (session: Session): Client => {
    if (!session.upstream) throw new McpError(ErrorCode.InvalidRequest, 'The session is not initialized');
    return session.upstream;
  };

  const refreshTools = async (session: Session) => {
    let cursor: string | undefined;
    do {
      const page = await upstreamOf(session).listTools(cursor ? { cursor } : undefined);
      definitions.observe(page.tools);
      for (const tool of page.tools) session.tools.set(tool.name, tool);
      cursor = page.nextCursor;
    } while (cursor);
  };

  const toolOf = async (session: Session, name: string): Promise<Tool | undefined> => {
    if (!session.tools.has(name)) await refreshTools(session);
    return session.tools.get(name);
  };

  /** What reviewers get to see about the tool's definition: its fingerprint always, and what changed when it did. */
  const definitionFields = (tool: Tool, drift: ToolDrift | null) => {
    const challenges = [{ actions: ['mcp:tools/call'], resources: [`mcp-tool:${settings.serverName}/${tool.name}#${toolFingerprint(tool)}`] }];
    if (!drift) return { challenges };
    const rationale =
      `**The definition of \`${tool.name}\` changed since ${drift.since}**, when this proxy first listed it ` +
      `(${drift.baseline} → ${drift.current}). Standing grants and hub policies made for the old definition do not run this call; ` +
      `only a reviewer's decision does.\n\n\`\`\`diff\n${drift.diff}\n\`\`\``;
    return { challenges, context: { rationale: rationale.slice(0, 8000) }, changedSince: drift.since, summary: `Tool definition changed: ${tool.name} (${settings.serverName})` };
  };

  const callUpstream = async (
    session: Session,
    call: { name: string; args: Record<string, unknown>; meta: Record<string, unknown> | undefined },
    signal: AbortSignal,
    relay: ProgressRelay | undefined,
  ): Promise<CallToolResult> => {
    const gone = goneOf(session);
    if (gone) return errorResult(toolText.upstreamDown(call.name, gone));
    // With a relay the SDK sets its own progress token upstream and hands us the upstream's notifications.
    const { progressToken: _, ...meta } = call.meta ?? {};
    const forwardedMeta = relay ? meta : (call.meta ?? {});
    try {
      // `request`, not `callTool`: the result passes through unchanged; validating it is the client's business.
      const result = await upstreamOf(session).request(
        { method: 'tools/call', params: { name: call.name, arguments: call.args, ...(Object.keys(forwardedMeta).length > 0 ? { _meta: forwardedMeta } : {}) } },
        CallToolResultSchema,
        { signal, timeout: upstreamTimeoutMs, ...(relay ? { onprogress: (p) => relay.upstream(p), resetTimeoutOnProgress: true } : {}) },
      );
      // The client drops progress that arrives after the result, so the result waits for it.
      await relay?.flush();
      return result;
    } catch (error) {
      if (signal.aborted) throw error;
      const why = goneOf(session) ?? `the upstream MCP server failed: ${error instanceof Error ? error.message : String(error)}`;
      return errorResult(toolText.upstreamDown(call.name, why));
    }
  };

  const waitingText = (toolName: string, requestId: string, waitedMs: number) => {
    const queue = settings.tools[toolName]?.queue ?? settings.queue;
    const waited = Math.round(waitedMs / 1000);
    const left =
      settings.timeoutMs === undefined
        ? "until the hub's timeout for the queue"
        : `${Math.max(0, Math.round((settings.timeoutMs - waitedMs) / 1000))} s left before the hub's timeout rule decides`;
    return `Waiting for a reviewer of queue "${queue}" on Approval Hub (or a hub policy) to decide on ${toolName} (request ${requestId}): waited ${waited} s, ${left}.`;
  };

  return {
    createServer() {
      const taskStore = new GatedTaskStore();
      const server = new Server({ name: upstreamInfo.name, version: upstreamInfo.version }, { capabilities, taskStore, ...(instructions ? { instructions } : {}) });
      const session: Session = { server, route: new ClientRoute(server), upstream: null, dedicated: false, gone: null, tools: new Map() };
      // stdio has no MCP session id; one server instance is one session.
      const ownSessionId = randomUUID();

      const initialize = (server as unknown as Initializer)._oninitialize.bind(server);
      server.setRequestHandler(InitializeRequestSchema, async (request) => {
        if (!session.upstream) await openSession(session, request.params.capabilities);
        return initialize(request);
      });
      server.setNotificationHandler(RootsListChangedNotificationSchema, async () => {
        await session.upstream?.sendRootsListChanged().catch(() => {});
      });

      server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
        const page = await upstreamOf(session).listTools(request.params, { signal: extra.signal });
        definitions.observe(page.tools);
        for (const tool of page.tools) session.tools.set(tool.name, tool);
        const clash = page.tools.some((t) => t.name === APPROVAL_STATUS_TOOL);
        // A client that declares Tasks learns that every tool may run as a task (the proxy runs it as one).
        const tools = server.getClientCapabilities()?.tasks
          ? page.tools.map((t) => (t.execution?.taskSupport ? t : { ...t, execution: { ...t.execution, taskSupport: 'optional' as const } }))
          : page.tools;
        if (withStatusTool && !page.nextCursor && !clash) return { ...page, tools: [...tools, approvalStatusTool] };
        return { ...page, tools };
      });

      server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
        const { name, _meta } = request.params;
        const args = request.params.arguments ?? {};
        const sessionId = extra.sessionId ?? ownSessionId;
        const progressToken = _meta?.progressToken;

        const clientCanDecide = () => Boolean(settings.elicitApproval && options.clientDecisions && server.getClientCapabilities()?.elicitation);
        const elicitationModes = (): ClientElicitationModes => {
          const elicitation = server.getClientCapabilities()?.elicitation ?? {};
          return {
            url: Boolean(elicitation.url),
            // An empty elicitation capability means form mode (MCP 2025-06-18).
            form: Boolean(elicitation.form || !elicitation.url),
            notifyComplete: (elicitationId) => extra.sendNotification({ method: 'notifications/elicitation/complete', params: { elicitationId } }),
          };
        };
        /** `asTask`: waits for the decision whatever the mode, and sends what the upstream says unrelated to this request. */
        const runCall = async (signal: AbortSignal, onWaiting: ((text: string) => void) | undefined, relay: ProgressRelay | undefined, ran: () => void, asTask: boolean): Promise<CallToolResult> => {
          if (withStatusTool && name === APPROVAL_STATUS_TOOL && !session.tools.has(APPROVAL_STATUS_TOOL)) {
            const requestId = typeof args.requestId === 'string' ? args.requestId : '';
            return textResult(gate.status(requestId));
          }
          const gone = goneOf(session);
          if (gone) return errorResult(toolText.upstreamDown(name, gone));
          const tool = await toolOf(session, name).catch(() => undefined);
          const forward = (decidedArgs: Record<string, unknown>, runSignal: AbortSignal) => {
            ran();
            const call = () => callUpstream(session, { name, args: decidedArgs, meta: _meta }, runSignal, relay);
            // Related: what the upstream sends meanwhile travels on this request's own response stream.
            return asTask ? call() : session.route.while(extra, call);
          };
          const drift = tool ? definitions.driftOf(tool) : null;
          // An unknown tool gets no annotations, so it counts as destructive and asks; so does a changed one, whatever
          // its annotations now claim.
          if (!drift && !toolNeedsApproval(settings, name, tool?.annotations)) return forward(args, signal);
          // A changed tool is judged as if its server were untrusted: its annotations cannot lower the risk.
          const risk = riskOfAnnotations(tool?.annotations, settings.trusted && !drift);
          const asking = new AbortController();
          // A task says at once who decides (its status is all a polling client sees); a blocked call may ask the
          // person at the client too.
          const onAsked = asTask
            ? (requestId: string) => onWaiting?.(waitingText(name, requestId, 0))
            : clientCanDecide()
              ? (requestId: string) => askClient(requestId, risk, asking.signal)
              : undefined;
          // Asking the person at the client is an extra way to decide: reviewers still can, so if asking fails, nothing waits on it.
          const askClient = (requestId: string, callRisk: typeof risk, askSignal: AbortSignal) => {
            askClientToDecide(options.clientDecisions!, {
              requestId,
              toolName: name,
              serverName: settings.serverName,
              args,
              risk: callRisk,
              signal: askSignal,
              elicit: (params, s) => extra.sendRequest({ method: 'elicitation/create', params }, ElicitResultSchema, { signal: s, timeout: 24 * 60 * 60_000 }),
              log,
            }, elicitationModes()).catch(() => {});
          };
          signal.addEventListener('abort', () => asking.abort(), { once: true });
          return gate
            .run(
            {
              sessionId,
              toolName: name,
              args,
              ...(tool?.description ? { description: tool.description } : {}),
              risk,
              ...(onAsked ? { onAsked } : {}),
              ...(tool?.annotations?.title ? { summary: `${tool.annotations.title} (${settings.serverName})` } : {}),
              ...(tool ? definitionFields(tool, drift) : {}),
              signal,
              blocking: asTask,
              ...(onWaiting ? { onWaiting: (waitedMs: number, requestId: string) => onWaiting(waitingText(name, requestId, waitedMs)) } : {}),
            },
            forward,
          )
            .finally(() => asking.abort());
        };

        if (request.params.task && extra.taskStore) {
          // Tasks: the client polls; no client timeout stands between the reviewer and the result.
          return startTask(taskStore, extra.taskStore, request.params.task.ttl, (task, ran) => runCall(task.signal, task.working, undefined, ran, true));
        }
        const relay = progressToken !== undefined ? new ProgressRelay(progressToken, (n) => extra.sendNotification(n)) : undefined;
        return runCall(extra.signal, relay ? (text) => relay.waiting(text) : undefined, relay, () => {}, false);
      });

      const forwardTo =
        <R>(schema: R) =>
        (request: { method: string; params?: unknown }, extra: Parameters<ClientRoute['while']>[0]) =>
          session.route.while(extra, () => upstreamOf(session).request({ method: request.method, params: request.params as never }, schema as never, { signal: extra.signal }));
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
      // Each session has its own upstream connection, so a log level set here applies to this session alone.
      if (upstreamCaps.logging) server.setRequestHandler(SetLevelRequestSchema, forwardTo(EmptyResultSchema));

      sessions.add(session);
      const previous = server.onclose;
      server.onclose = () => {
        sessions.delete(session);
        if (session.dedicated) {
          session.gone ??= 'the client session closed';
          session.upstream?.close().catch(() => {});
        }
        taskStore.cleanup();
        previous?.();
      };
      return server;
    },
    async close() {
      await Promise.allSettled([...sessions].map((s) => s.server.close()));
      gate.closeAll();
      // Aborting makes the hub client emit approval.cancel; let that reach the socket before anyone closes the client.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
