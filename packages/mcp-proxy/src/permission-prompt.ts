import { HubError, outcomeOfResponse, type HubClient } from '@approval-hub/agent-sdk';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { approvalRequestId, callKey } from './request-id.js';
import { PACKAGE_VERSION } from './version.js';

export const PERMISSION_PROMPT_TOOL = 'approval_prompt';

/** What Claude Code sends to a `--permission-prompt-tool`. */
export const PermissionPromptInput = z.object({
  tool_name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  tool_use_id: z.string().min(1).optional(),
});
export type PermissionPromptInput = z.infer<typeof PermissionPromptInput>;

/** What Claude Code expects back, as the JSON text of the tool result. */
export type PermissionDecision = { behavior: 'allow'; updatedInput: Record<string, unknown> } | { behavior: 'deny'; message: string };

export interface PermissionPromptOptions {
  hub: HubClient;
  queue: string;
  timeoutMs: number | undefined;
  connectTimeoutMs: number;
  hubLabel: string;
}

/**
 * An MCP server with one tool for `claude --permission-prompt-tool mcp__<name>__approval_prompt`: each
 * permission Claude Code would ask the terminal user for goes to the hub's reviewers instead.
 */
export function createPermissionPromptServer(options: PermissionPromptOptions): Server {
  const server = new Server({ name: 'approval-hub-permission-prompt', version: PACKAGE_VERSION }, { capabilities: { tools: {} } });
  const sessionId = randomUUID();
  // Claude Code may ask again for the same tool use; both askers share one hub request and one answer.
  const inFlight = new Map<string, Promise<PermissionDecision>>();
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      {
        name: PERMISSION_PROMPT_TOOL,
        description: 'Asks a human reviewer on Approval Hub whether Claude Code may use a tool. Answers Claude Code\'s permission-prompt JSON.',
        inputSchema: {
          type: 'object',
          properties: {
            tool_name: { type: 'string', description: 'The tool Claude Code wants to use' },
            input: { type: 'object', description: 'Its input' },
            tool_use_id: { type: 'string', description: 'The tool use id' },
          },
          required: ['tool_name', 'input'],
        },
      },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    if (request.params.name !== PERMISSION_PROMPT_TOOL) return { content: [{ type: 'text', text: `Unknown tool ${request.params.name}` }], isError: true };
    const parsed = PermissionPromptInput.safeParse(request.params.arguments ?? {});
    if (!parsed.success) return answer({ behavior: 'deny', message: `Malformed permission request: ${z.prettifyError(parsed.error)}` });
    const requestId = requestIdOf(parsed.data, sessionId);
    let decision = inFlight.get(requestId);
    if (!decision) {
      decision = decide(options, parsed.data, requestId, sessionId, extra.signal).finally(() => inFlight.delete(requestId));
      inFlight.set(requestId, decision);
    }
    return answer(await decision);
  });
  return server;
}

/** Claude Code's tool_use_id names this very tool use, so asking again with it is idempotent on the hub. */
function requestIdOf(prompt: PermissionPromptInput, sessionId: string): string {
  if (prompt.tool_use_id) return `cc-${prompt.tool_use_id.replace(/[^A-Za-z0-9._:-]/g, '_').slice(0, 120)}`;
  return approvalRequestId(callKey({ sessionId, serverName: 'claude-code', toolName: prompt.tool_name, args: prompt.input }), Date.now());
}

async function decide(options: PermissionPromptOptions, prompt: PermissionPromptInput, requestId: string, sessionId: string, signal: AbortSignal): Promise<PermissionDecision> {
  const { hub } = options;
  try {
    if (!hub.connected) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        hub.waitUntilConnected(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('unreachable')), options.connectTimeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
    }
    const response = await hub.requestApproval({
      requestId,
      toolName: prompt.tool_name,
      args: prompt.input as never,
      runId: sessionId,
      queue: options.queue,
      description: `Claude Code wants to use ${prompt.tool_name}`,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      signal,
    });
    const outcome = outcomeOfResponse(response);
    if (outcome.state === 'approved' || outcome.state === 'edited') return { behavior: 'allow', updatedInput: response.args };
    if (outcome.state === 'timeout') return { behavior: 'deny', message: `[TIMEOUT] No reviewer decided on ${prompt.tool_name} in time. Do not retry it or work around it; tell the user it needs approval.` };
    if (outcome.state === 'denied') return { behavior: 'deny', message: `[DENIED] ${outcome.reason?.trim() || 'A reviewer denied this call.'}` };
    return { behavior: 'deny', message: `[CANCELLED] The approval request for ${prompt.tool_name} was cancelled.` };
  } catch (error) {
    const why =
      error instanceof HubError && (error.code === 'unauthorized' || error.code === 'forbidden')
        ? `the approval hub refused the agent token (${error.code})`
        : error instanceof Error && error.message === 'unreachable'
          ? `the approval hub at ${options.hubLabel} is unreachable`
          : 'the approval request failed';
    return { behavior: 'deny', message: `[APPROVAL UNAVAILABLE] ${prompt.tool_name} was not allowed: ${why}.` };
  }
}

function answer(decision: PermissionDecision): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(decision) }] };
}
