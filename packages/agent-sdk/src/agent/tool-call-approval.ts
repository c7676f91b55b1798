import { createHash } from 'node:crypto';
import { findJsonProblem, isPlainObject, type Challenge, type JsonObject } from '@approval-hub/protocol';
import type { HubClient } from '../client/hub-client.js';
import { outcomeOfHubCall, type ApprovalOutcome } from './approval-outcome.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The hub `requestId` for a framework's tool call. The same call id always gives the same requestId, so an agent
 * re-run after a crash re-sends the request (idempotent on the hub) instead of asking a second time.
 */
export function requestIdForToolCall(source: string, toolCallId: string): string {
  const plain = `${source}:${toolCallId}`;
  if (REQUEST_ID.test(plain)) return plain;
  // Ids with characters the protocol refuses, or too long: a digest keeps them stable and distinct.
  return `${source}:sha256:${createHash('sha256').update(toolCallId).digest('hex')}`.slice(0, 128);
}

/** Where and how a framework adapter asks the hub. */
export interface HubApprovalSettings {
  hub: HubClient;
  /**
   * Groups requests on the hub. It is part of the request's content, so keep it stable across re-runs
   * (a thread or conversation id); default: the tool call id.
   */
  runId?: string;
  conversationId?: string;
  queue?: string;
  /** How long reviewers have; the hub's default when absent. */
  timeoutMs?: number;
  /** The end user the agent acts for (grants can match on it). */
  onBehalfOf?: string;
}

export interface ToolCallApprovalRequest {
  /** Names the framework in the requestId (`openai-agents`, `ai-sdk`, `langgraph`, …). */
  source: string;
  toolCallId: string;
  toolName: string;
  args: unknown;
  description?: string;
  /** ADK-style challenges for this call: the actions it performs on the resources it touches. */
  challenges?: Challenge[];
  signal?: AbortSignal;
}

/** Asks the hub about one framework tool call, keyed by its tool-call id, and reads the decision. */
export async function approveToolCall(settings: HubApprovalSettings, call: ToolCallApprovalRequest): Promise<ApprovalOutcome> {
  return outcomeOfHubCall(
    settings.hub.requestApproval({
      requestId: requestIdForToolCall(call.source, call.toolCallId),
      toolName: call.toolName,
      args: jsonArgsOf(call.args, call.toolName),
      runId: settings.runId ?? requestIdForToolCall(call.source, call.toolCallId),
      ...(settings.conversationId !== undefined && { conversationId: settings.conversationId }),
      ...(call.description !== undefined && { description: call.description }),
      ...(settings.queue !== undefined && { queue: settings.queue }),
      ...(settings.onBehalfOf !== undefined && { onBehalfOf: settings.onBehalfOf }),
      ...(call.challenges !== undefined && { challenges: call.challenges }),
      ...(settings.timeoutMs !== undefined && { timeoutMs: settings.timeoutMs }),
      ...(call.signal !== undefined && { signal: call.signal }),
    }),
  );
}

function jsonArgsOf(args: unknown, toolName: string): JsonObject {
  if (args === undefined || args === null) return {};
  if (isPlainObject(args) && findJsonProblem(args) === null) return args as JsonObject;
  throw new TypeError(`The arguments of tool "${toolName}" are not a plain JSON object, so they cannot be shown to a reviewer`);
}
