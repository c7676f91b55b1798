import type { Challenge, JsonObject, RequestContext, RiskLevel } from '@approval-hub/protocol';
import type { HubClient } from '../client/hub-client.js';
import { outcomeOfDecision, outcomeOfHubCall, type ApprovalDecisionLike, type ApprovalOutcome } from './approval-outcome.js';

/** One tool call waiting for a decision, as an `onApproval` callback sees it. */
export interface ToolApprovalRequest {
  agentName: string;
  toolName: string;
  description: string;
  args: JsonObject;
  runId: string;
  conversationId?: string;
  toolCallId: string;
  /** The tool's risk for these arguments, when it declares one. */
  risk?: RiskLevel;
  /** The tool's one-line summary of this call, when it declares one. */
  summary?: string;
  /** The model's words around the call and the recent turns. */
  context?: RequestContext;
  /** What the call does, from the tool's `permissions`: actions and the resources they touch. */
  challenges?: Challenge[];
  /** The end user the agent acts for in this run. */
  onBehalfOf?: string;
  /** Aborted when the decision is no longer wanted (timeout, or the run was aborted). */
  signal: AbortSignal;
}

export type OnApproval = (request: ToolApprovalRequest) => Promise<ApprovalDecisionLike> | ApprovalDecisionLike;

/** Gets a decision for one tool call. */
export type Approver = (request: Omit<ToolApprovalRequest, 'signal'>, signal?: AbortSignal) => Promise<ApprovalOutcome>;

export function hubApprover(hub: HubClient, settings: { queue?: string; timeoutMs?: number }): Approver {
  return async (request, signal) => {
    return outcomeOfHubCall(
      hub.requestApproval({
        toolName: request.toolName,
        args: request.args,
        runId: request.runId,
        ...(request.conversationId !== undefined && { conversationId: request.conversationId }),
        description: request.description,
        ...(request.risk !== undefined && { risk: request.risk }),
        ...(request.summary !== undefined && { summary: request.summary }),
        ...(request.context !== undefined && { context: request.context }),
        ...(request.challenges !== undefined && { challenges: request.challenges }),
        ...(request.onBehalfOf !== undefined && { onBehalfOf: request.onBehalfOf }),
        ...(settings.queue !== undefined && { queue: settings.queue }),
        ...(settings.timeoutMs !== undefined && { timeoutMs: settings.timeoutMs }),
        ...(signal !== undefined && { signal }),
      }),
    );
  };
}

/** Asks a callback; with `timeoutMs`, no answer in time is a timeout, as it would be on the hub. */
export function callbackApprover(onApproval: OnApproval, settings: { timeoutMs?: number }): Approver {
  return async (request, signal) => {
    const controller = new AbortController();
    const stop = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', stop, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const decision = Promise.resolve(onApproval({ ...request, signal: controller.signal })).then((d) => outcomeOfDecision(d, request.args));
      const contenders: Promise<ApprovalOutcome>[] = [decision, abortedPromise(controller.signal)];
      if (settings.timeoutMs !== undefined) {
        const timeoutMs = settings.timeoutMs;
        contenders.push(new Promise((resolve) => (timer = setTimeout(() => resolve({ state: 'timeout' }), timeoutMs))));
      }
      return await Promise.race(contenders);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      if (!controller.signal.aborted) controller.abort(new Error('The approval is no longer needed'));
    }
  };
}

function abortedPromise(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}
