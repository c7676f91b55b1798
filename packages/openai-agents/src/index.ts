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
import { run, type Agent, type AgentInputItem, type FunctionTool, type NonStreamRunOptions, type RunResult, type RunState, type RunToolApprovalItem } from '@openai/agents';

export type { HubApprovalSettings } from '@approval-hub/agent-sdk';

const SOURCE = 'openai-agents';

/** What the hub decided for one interruption, and what was done with it. */
export interface InterruptionDecision {
  item: RunToolApprovalItem;
  callId: string;
  toolName: string;
  outcome: ApprovalOutcome;
  /** `approved` → `state.approve`; everything else → `state.reject` with a message for the model. */
  action: 'approved' | 'rejected';
  /** The rejection text the model reads. */
  message?: string;
}

interface Interrupted {
  interruptions: RunToolApprovalItem[];
  state: RunState<any, any>;
}

/**
 * Puts every interruption of a run in front of a reviewer and records the decisions in `result.state`
 * (`approve`, or `reject` with the reason as the model's message). Continue with `run(agent, result.state)`.
 *
 * The requestId is made from the tool call's `callId`, so resuming the same state after a crash asks again
 * idempotently. An edit cannot be applied here (the SDK runs approved calls with the model's arguments), so
 * it rejects with a message naming the reviewer's arguments; wrap the tool in `withHub` to honour edits.
 */
export async function decideInterruptions(result: Interrupted, settings: HubApprovalSettings & { signal?: AbortSignal }): Promise<InterruptionDecision[]> {
  return Promise.all(
    result.interruptions.map(async (item): Promise<InterruptionDecision> => {
      const callId = callIdOf(item);
      const toolName = item.name ?? 'unknown_tool';
      const outcome = await approveToolCall(settings, {
        source: SOURCE,
        toolCallId: callId,
        toolName,
        args: parseArguments(item.arguments),
        ...(settings.signal !== undefined && { signal: settings.signal }),
      });
      if (outcome.state === 'approved') {
        result.state.approve(item);
        return { item, callId, toolName, outcome, action: 'approved' };
      }
      const message = rejectionMessage(outcome);
      result.state.reject(item, { message });
      return { item, callId, toolName, outcome, action: 'rejected', message };
    }),
  );
}

/**
 * `run(agent, input)` that resolves each tool approval on the hub and runs again with the state, until the run
 * finishes without interruptions.
 */
export async function runWithHub<TAgent extends Agent<any, any>, TContext = undefined>(
  agent: TAgent,
  input: string | AgentInputItem[] | RunState<TContext, TAgent>,
  settings: HubApprovalSettings & { runOptions?: NonStreamRunOptions<TContext, TAgent>; signal?: AbortSignal },
): Promise<RunResult<TContext, TAgent>> {
  const runOptions = { ...settings.runOptions, ...(settings.signal !== undefined && { signal: settings.signal }) } as NonStreamRunOptions<TContext, TAgent>;
  let result = await run(agent, input, runOptions);
  while (result.interruptions.length > 0) {
    await decideInterruptions(result, settings);
    result = await run(agent, result.state, runOptions);
  }
  return result;
}

/**
 * Wraps a function tool so that each call asks the hub first and runs with exactly what the reviewer approved,
 * edits included. The model reads `[DENIED] …`, `[TIMEOUT] …` or, after an edit, `[EDITED] …` with the result.
 */
export function withHub<T extends FunctionTool<any, any, any>>(tool: T, settings: HubApprovalSettings): T {
  const invoke: FunctionTool<any, any, any>['invoke'] = async (runContext, input, details) => {
    const callId = details?.toolCall?.callId;
    if (callId === undefined) throw new Error(`withHub(${tool.name}): the runner gave no tool call id, so the call cannot be put in front of a reviewer`);
    const args = parseArguments(input);
    const outcome = await approveToolCall(settings, {
      source: SOURCE,
      toolCallId: callId,
      toolName: tool.name,
      args,
      description: tool.description,
      ...(details?.signal !== undefined && { signal: details.signal }),
    });
    switch (outcome.state) {
      case 'approved':
        return tool.invoke(runContext, input, details);
      case 'edited': {
        // The tool's own invoke validates the edited arguments, as it would the model's.
        const result: unknown = await tool.invoke(runContext, JSON.stringify(outcome.args), details);
        return typeof result === 'string' ? editedResultMessage(outcome.args, result) : result;
      }
      default:
        return rejectionMessage(outcome);
    }
  };
  // The hub decides, so the SDK's own approval step is switched off for the wrapped tool.
  return { ...tool, invoke, needsApproval: async () => false };
}

function rejectionMessage(outcome: ApprovalOutcome): string {
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

function callIdOf(item: RunToolApprovalItem): string {
  const raw = item.rawItem as { callId?: string; id?: string };
  const id = raw.callId ?? raw.id;
  if (!id) throw new Error(`The approval item for ${item.name ?? 'a tool'} has no call id`);
  return id;
}

function parseArguments(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Shown to the reviewer as is; the SDK reports the malformed JSON to the model itself.
    return { unparsedArguments: text };
  }
}
