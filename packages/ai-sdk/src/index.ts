import {
  approveToolCall,
  cancelledMessage,
  deniedMessage,
  editedResultMessage,
  stableJson,
  timeoutMessage,
  type ApprovalOutcome,
  type HubApprovalSettings,
} from '@approval-hub/agent-sdk';
import { asSchema, generateText, type ModelMessage, type Tool, type ToolModelMessage, type ToolSet } from 'ai';

export type { HubApprovalSettings } from '@approval-hub/agent-sdk';

const SOURCE = 'ai-sdk';

/** The part of a `generateText`/`streamText` result this package reads: its content parts. */
interface ContentPart {
  type: string;
}

interface ApprovalRequestPart {
  type: 'tool-approval-request';
  approvalId: string;
  toolCall: { toolCallId: string; toolName: string; input: unknown };
}

/** What the hub decided for one `tool-approval-request`. */
export interface HubApproval {
  approvalId: string;
  toolCallId: string;
  toolName: string;
  outcome: ApprovalOutcome;
}

/**
 * Puts every `tool-approval-request` of a result (tools with `needsApproval`) in front of a reviewer and returns the
 * tool message of `tool-approval-response` parts to append after `result.response.messages`. A denial's reason
 * reaches the model (the SDK sends it in the `execution-denied` result). The requestId is made from the tool call id,
 * so re-running after a crash re-sends the same request. An edit cannot be applied through an approval response
 * (it carries no arguments), so it is sent as a denial naming the reviewer's arguments; use `withHub` to honour edits.
 */
export async function hubApprovalResponses(
  content: readonly ContentPart[],
  settings: HubApprovalSettings & { signal?: AbortSignal },
): Promise<{ message: ToolModelMessage; approvals: HubApproval[] }> {
  const requests = content.filter(isApprovalRequest);
  const approvals = await Promise.all(
    requests.map(async (part): Promise<HubApproval> => {
      const { toolCallId, toolName, input } = part.toolCall;
      const outcome = await approveToolCall(settings, {
        source: SOURCE,
        toolCallId,
        toolName,
        args: input,
        ...(settings.signal !== undefined && { signal: settings.signal }),
      });
      return { approvalId: part.approvalId, toolCallId, toolName, outcome };
    }),
  );
  const message: ToolModelMessage = {
    role: 'tool',
    content: approvals.map(({ approvalId, outcome }) =>
      outcome.state === 'approved'
        ? { type: 'tool-approval-response', approvalId, approved: true }
        : { type: 'tool-approval-response', approvalId, approved: false, reason: refusalText(outcome) },
    ),
  };
  return { message, approvals };
}

type GenerateTextOptions<TOOLS extends ToolSet> = Parameters<typeof generateText<TOOLS>>[0];

/**
 * `generateText` that answers each round of tool approval requests from the hub and calls again, until a result
 * has none left. Returns the last result and the whole conversation (`messages`).
 */
export async function generateTextWithHub<TOOLS extends ToolSet>(
  options: GenerateTextOptions<TOOLS>,
  settings: HubApprovalSettings & { signal?: AbortSignal },
): Promise<{ result: Awaited<ReturnType<typeof generateText<TOOLS>>>; messages: ModelMessage[]; approvals: HubApproval[] }> {
  const { prompt, messages: given, ...rest } = options as GenerateTextOptions<TOOLS> & { prompt?: string | ModelMessage[]; messages?: ModelMessage[] };
  const messages: ModelMessage[] = [...(given ?? (typeof prompt === 'string' ? [{ role: 'user' as const, content: prompt }] : (prompt ?? [])))];
  const approvals: HubApproval[] = [];
  const call = () => generateText({ ...rest, messages } as GenerateTextOptions<TOOLS>);
  let result = await call();
  while (result.content.some(isApprovalRequest)) {
    const answered = await hubApprovalResponses(result.content, settings);
    approvals.push(...answered.approvals);
    messages.push(...result.response.messages, answered.message);
    result = await call();
  }
  messages.push(...result.response.messages);
  return { result, messages, approvals };
}

/**
 * Wraps tools so that each call asks the hub first and runs with exactly what the reviewer approved, edits
 * included (validated by the tool's input schema). Denials, timeouts and invalid edits are returned to the model
 * as text (`[DENIED] …`); a string result after an edit starts with `[EDITED] …`. Tools without `execute` are
 * left as they are.
 */
export function withHub<TOOLS extends ToolSet>(tools: TOOLS, settings: HubApprovalSettings): TOOLS {
  const wrapped: Record<string, Tool> = {};
  for (const [name, tool] of Object.entries(tools) as [string, Tool][]) {
    const execute = tool.execute;
    if (!execute) {
      wrapped[name] = tool;
      continue;
    }
    wrapped[name] = {
      ...tool,
      // The hub decides; the SDK's own approval round is not wanted as well.
      needsApproval: false,
      execute: async (input: unknown, options) => {
        const outcome = await approveToolCall(settings, {
          source: SOURCE,
          toolCallId: options.toolCallId,
          toolName: name,
          args: input,
          ...(tool.description !== undefined && { description: tool.description }),
          ...(options.abortSignal !== undefined && { signal: options.abortSignal }),
        });
        if (outcome.state === 'approved') return execute(input, options);
        if (outcome.state !== 'edited') return refusalText(outcome);
        const schema = asSchema(tool.inputSchema);
        const checked = schema.validate ? await schema.validate(outcome.args) : { success: true as const, value: outcome.args };
        if (!checked.success) {
          return `[NOT RUN] A reviewer approved the call with edited arguments ${stableJson(outcome.args)}, but they do not fit the tool's input schema, so the call was not made: ${checked.error.message}`;
        }
        const result: unknown = await execute(checked.value, options);
        return typeof result === 'string' ? editedResultMessage(outcome.args, result) : result;
      },
    } as Tool;
  }
  return wrapped as TOOLS;
}

function refusalText(outcome: ApprovalOutcome): string {
  switch (outcome.state) {
    case 'denied':
      return deniedMessage(outcome.reason);
    case 'timeout':
      return timeoutMessage();
    case 'cancelled':
      return cancelledMessage(outcome.reason);
    case 'edited':
      return `[NOT RUN] A reviewer approved this call only with different arguments: ${stableJson(outcome.args)}. It was not made. If it is still needed, call the tool again with exactly those arguments.`;
    default:
      return '[NOT RUN] The call was not made.';
  }
}

function isApprovalRequest(part: ContentPart): part is ApprovalRequestPart {
  return part.type === 'tool-approval-request';
}
