// First, so that an unsupported zod fails here with a clear message.
import './require-zod-4.js';

export { connectHub } from './client/connect-hub.js';
export type { ConnectHubOptions, HubClient, HubClientEvents, RequestApprovalOptions } from './client/hub-client.js';
export { ApprovalCancelledError, ClientClosedError, HubError } from './client/errors.js';
export type { Backoff } from './client/backoff.js';
export type { Logger } from './client/logger.js';

export { Agent } from './agent/agent.js';
export type { AgentConfig, ApprovalConfig, RunOptions, RunResult } from './agent/agent.js';
export type { AgentRunEvent, ToolCallRecord } from './agent/agent-events.js';
export { outcomeOfDecision, outcomeOfResponse } from './agent/approval-outcome.js';
export type { ApprovalDecisionLike, ApprovalOutcome, ApprovalState } from './agent/approval-outcome.js';
export { needsApproval } from './agent/approval-policy.js';
export type { ApprovalPolicy, PolicySettings } from './agent/approval-policy.js';
export type { OnApproval, ToolApprovalRequest } from './agent/approver.js';
export { toolSpecOf } from './agent/model.js';
export type { Message, Model, ModelRequest, ModelStep, ToolCall, ToolSpec } from './agent/model.js';
export { ModelResponseError, openAICompatibleModel } from './agent/openai-compatible-model.js';
export type { OpenAICompatibleModelOptions } from './agent/openai-compatible-model.js';
export { scriptedModel } from './agent/scripted-model.js';
export type { ScriptEntry, ScriptedStep, ScriptedToolCall } from './agent/scripted-model.js';
export { defineTool } from './agent/tool.js';
export type { Tool, ToolContext, ToolPermissions } from './agent/tool.js';
export { approveToolCall, requestIdForToolCall } from './agent/tool-call-approval.js';
export type { HubApprovalSettings, ToolCallApprovalRequest } from './agent/tool-call-approval.js';
export { cancelledMessage, deniedMessage, editedResultMessage, timeoutMessage } from './agent/tool-messages.js';
export { stableJson } from './agent/json-text.js';
export type { ConversationTurn, RequestContext, RiskLevel } from '@approval-hub/protocol';
