import type { ApprovalState } from './approval-outcome.js';
import type { ToolCall } from './model.js';

/** One tool call as a run ended up handling it. */
export interface ToolCallRecord {
  id: string;
  name: string;
  /** The arguments the tool ran with (or would have): validated, and a reviewer's edit when there was one. */
  args: unknown;
  /** The arguments as the model sent them. */
  requestedArgs: unknown;
  approval: ApprovalState;
  /** The denial or cancellation reason, when one was given. */
  reason?: string;
  executed: boolean;
  /** What the model was told: the tool's result as text, or why the call was not made. */
  result: string;
  /** What `execute` returned; undefined when it did not run or threw. */
  value?: unknown;
  /** What `execute` threw, if it did. */
  error?: unknown;
}

/** What a run reports to `onEvent` as it goes. */
export type AgentRunEvent =
  | { type: 'tool_call'; runId: string; toolCall: ToolCall }
  | { type: 'approval_requested'; runId: string; toolCallId: string; toolName: string; args: unknown }
  | { type: 'approval_decided'; runId: string; toolCallId: string; toolName: string; approval: Exclude<ApprovalState, 'not_required'>; reason?: string }
  | { type: 'tool_result'; runId: string; record: ToolCallRecord }
  | { type: 'final'; runId: string; output: string };
