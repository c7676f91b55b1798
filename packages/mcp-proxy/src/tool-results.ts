import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** Text every model understands; the prefixes match the agent SDK's, so a model sees one vocabulary. */
export const toolText = {
  denied: (reason: string | undefined) => `[DENIED] ${reason?.trim() || 'A reviewer denied this call.'}`,
  timeout: (toolName: string, requestId: string) =>
    `[TIMEOUT] No reviewer decided on ${toolName} in time (request ${requestId}), so it was not run. ` +
    'Do not retry this call and do not try to reach the same result another way; tell the user it needs approval.',
  cancelled: (toolName: string, reason: string | undefined) => `[CANCELLED] The approval request for ${toolName} was cancelled${reason ? `: ${reason}` : ''}. It was not run.`,
  pending: (toolName: string, requestId: string) =>
    `[PENDING] Approval pending (id ${requestId}): a human reviewer has not decided on ${toolName} yet, so it has not run. ` +
    `Call this tool again with the same arguments to keep waiting (it runs at most once, after approval), or call approval_status with requestId "${requestId}".`,
  toolChanged: (toolName: string, since: string) =>
    `[TOOL CHANGED] ${toolName} was not run: its definition changed since ${since}, and only a standing grant or hub policy ` +
    'approved the call, which were made for the old definition. A reviewer has to decide on the changed tool; tell the user.',
  unavailable: (toolName: string, why: string) => `[APPROVAL UNAVAILABLE] ${toolName} was not run: ${why}`,
  upstreamDown: (toolName: string, why: string) => `[UPSTREAM UNAVAILABLE] ${toolName} was not run: ${why}`,
};

export function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

export function textResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] };
}
