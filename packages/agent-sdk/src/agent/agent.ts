import { findJsonProblem, isPlainObject, type JsonObject } from '@approval-hub/protocol';
import type { HubClient } from '../client/hub-client.js';
import type { AgentRunEvent, ToolCallRecord } from './agent-events.js';
import type { ApprovalOutcome, ApprovalState } from './approval-outcome.js';
import { mayNeedApproval, needsApproval, type ApprovalPolicy } from './approval-policy.js';
import { callbackApprover, hubApprover, type Approver, type OnApproval, type ToolApprovalRequest } from './approver.js';
import { textOf } from './json-text.js';
import { oneLine, requestContextOf } from './request-context.js';
import { toolSpecOf, type Message, type Model, type ToolCall, type ToolSpec } from './model.js';
import { challengesOf, type Tool } from './tool.js';
import {
  cancelledMessage,
  deniedMessage,
  editedResultMessage,
  invalidArgumentsMessage,
  invalidEditMessage,
  timeoutMessage,
  toolErrorMessage,
  unknownToolMessage,
} from './tool-messages.js';

export interface ApprovalConfig {
  /** Which tools need approval unless they say otherwise. */
  policy: ApprovalPolicy;
  /** Ask reviewers on the hub. Takes precedence over `onApproval`. */
  hub?: HubClient;
  /** Decide in-process (callback mode), when there is no hub. */
  onApproval?: OnApproval;
  /** How long a reviewer has to decide. */
  timeoutMs?: number;
  /** Let tools marked `readOnly` run without asking (a tool's own `requiresApproval` still wins). */
  autoApproveReadOnly?: boolean;
  /** The hub queue to put requests in. */
  queue?: string;
}

export interface AgentConfig {
  name: string;
  model: Model;
  tools: readonly Tool[];
  /** The system message. */
  instructions?: string;
  /** Default: policy `'none'`. */
  approval?: ApprovalConfig;
  /** The most model calls in one run. Default 10. */
  maxSteps?: number;
  onEvent?: (event: AgentRunEvent) => void;
}

export interface RunOptions {
  /** Groups a run's approval requests on the hub; a random UUID unless given. */
  runId?: string;
  /** The end user this run acts for, sent with each approval request (grants can match on it). */
  onBehalfOf?: string;
  conversationId?: string;
  maxSteps?: number;
  signal?: AbortSignal;
}

export interface RunResult {
  runId: string;
  /** The model's final answer; null when the run hit `maxSteps` first. */
  output: string | null;
  finishReason: 'final' | 'max_steps';
  messages: Message[];
  toolCalls: ToolCallRecord[];
}

interface RunScope {
  runId: string;
  onBehalfOf?: string;
  conversationId?: string;
  signal?: AbortSignal;
}

const DEFAULT_MAX_STEPS = 10;

/** A tool-calling loop that puts the calls that need it in front of a reviewer before they run. */
export class Agent {
  readonly name: string;
  private readonly model: Model;
  private readonly tools: ReadonlyMap<string, Tool>;
  private readonly toolSpecs: readonly ToolSpec[];
  private readonly instructions: string | undefined;
  private readonly approval: ApprovalConfig;
  private readonly approver: Approver | null;
  private readonly maxSteps: number;
  private readonly onEvent: ((event: AgentRunEvent) => void) | undefined;

  /** Throws when the configuration cannot work: duplicate tool names, an unknown tool in the policy, or nobody to ask. */
  constructor(config: AgentConfig) {
    this.name = config.name;
    this.model = config.model;
    this.instructions = config.instructions;
    this.approval = config.approval ?? { policy: 'none' };
    this.maxSteps = config.maxSteps ?? DEFAULT_MAX_STEPS;
    this.onEvent = config.onEvent;
    this.tools = toolsByName(config.tools);
    this.toolSpecs = config.tools.map(toolSpecOf);
    if (!(this.maxSteps >= 1)) throw new Error(`Agent "${this.name}": maxSteps must be at least 1`);
    const { policy, hub, onApproval } = this.approval;
    if (Array.isArray(policy)) {
      const unknown = policy.filter((name) => !this.tools.has(name));
      if (unknown.length > 0) throw new Error(`Agent "${this.name}": the approval policy names unknown tools: ${unknown.join(', ')}`);
    }
    this.approver = hub ? hubApprover(hub, this.approval) : onApproval ? callbackApprover(onApproval, this.approval) : null;
    const needy = config.tools.find((tool) => mayNeedApproval(tool, this.approval));
    if (!this.approver && needy) {
      throw new Error(`Agent "${this.name}": tool "${needy.name}" may need approval, but approval has neither a hub nor an onApproval callback`);
    }
  }

  /** Runs the model until it answers or `maxSteps` model calls were made. */
  async run(input: string, options: RunOptions = {}): Promise<RunResult> {
    const scope: RunScope = { runId: options.runId ?? crypto.randomUUID() };
    if (options.conversationId !== undefined) scope.conversationId = options.conversationId;
    if (options.signal !== undefined) scope.signal = options.signal;
    if (options.onBehalfOf !== undefined) scope.onBehalfOf = options.onBehalfOf;
    const messages: Message[] = [];
    if (this.instructions !== undefined) messages.push({ role: 'system', content: this.instructions });
    messages.push({ role: 'user', content: input });
    const toolCalls: ToolCallRecord[] = [];
    const maxSteps = options.maxSteps ?? this.maxSteps;

    for (let step = 0; step < maxSteps; step++) {
      options.signal?.throwIfAborted();
      const next = await this.model.nextStep({ messages: [...messages], tools: this.toolSpecs, ...(scope.signal && { signal: scope.signal }) });
      if (next.type === 'final') {
        messages.push({ role: 'assistant', content: next.content });
        this.onEvent?.({ type: 'final', runId: scope.runId, output: next.content });
        return { runId: scope.runId, output: next.content, finishReason: 'final', messages, toolCalls };
      }
      messages.push({ role: 'assistant', content: next.content ?? null, toolCalls: next.toolCalls });
      // What the model said with its calls is its rationale; what came before is the conversation reviewers see.
      const said = { text: next.content ?? null, before: messages.slice(0, -1) };
      for (const call of next.toolCalls) {
        const record = await this.handleToolCall(call, scope, said);
        toolCalls.push(record);
        messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: record.result });
        this.onEvent?.({ type: 'tool_result', runId: scope.runId, record });
      }
    }
    return { runId: scope.runId, output: null, finishReason: 'max_steps', messages, toolCalls };
  }

  private async handleToolCall(call: ToolCall, scope: RunScope, said: ModelSaid): Promise<ToolCallRecord> {
    this.onEvent?.({ type: 'tool_call', runId: scope.runId, toolCall: call });
    const notRun = (approval: ApprovalState, args: unknown, result: string, reason?: string): ToolCallRecord => ({
      id: call.id,
      name: call.name,
      args,
      requestedArgs: call.args,
      approval,
      ...(reason !== undefined && { reason }),
      executed: false,
      result,
    });

    const tool = this.tools.get(call.name);
    if (!tool) return notRun('not_required', call.args, unknownToolMessage(call.name, [...this.tools.keys()]));
    const parsed = tool.parameters.safeParse(call.args);
    // Invalid arguments go back to the model before anyone is asked: a reviewer should only see calls that could run.
    if (!parsed.success) return notRun('not_required', call.args, invalidArgumentsMessage(parsed.error));
    const args = parsed.data;
    if (!(await needsApproval(tool, args, this.approval))) return this.execute(tool, call, args, 'not_required', scope);

    const outcome = await this.askApproval(tool, call, reviewArgsOf(args, call.args, tool.name), scope, trustOf(tool, args, said));
    switch (outcome.state) {
      case 'denied':
        return notRun('denied', args, deniedMessage(outcome.reason), outcome.reason);
      case 'timeout':
        return notRun('timeout', args, timeoutMessage());
      case 'cancelled':
        return notRun('cancelled', args, cancelledMessage(outcome.reason), outcome.reason);
      case 'approved':
        return this.execute(tool, call, args, 'approved', scope);
      case 'edited': {
        const edited = tool.parameters.safeParse(outcome.args);
        if (!edited.success) return notRun('edited', outcome.args, invalidEditMessage(outcome.args, edited.error));
        const record = await this.execute(tool, call, edited.data, 'edited', scope);
        return { ...record, result: editedResultMessage(outcome.args, record.result) };
      }
    }
  }

  private async askApproval(tool: Tool, call: ToolCall, args: JsonObject, scope: RunScope, trust: TrustFields): Promise<ApprovalOutcome> {
    if (!this.approver) throw new Error(`Agent "${this.name}": tool "${tool.name}" needs approval, but there is nobody to ask`);
    this.onEvent?.({ type: 'approval_requested', runId: scope.runId, toolCallId: call.id, toolName: tool.name, args });
    const request = {
      agentName: this.name,
      toolName: tool.name,
      description: tool.description,
      args,
      runId: scope.runId,
      ...(scope.conversationId !== undefined && { conversationId: scope.conversationId }),
      ...(scope.onBehalfOf !== undefined && { onBehalfOf: scope.onBehalfOf }),
      toolCallId: call.id,
      ...trust,
    };
    const outcome = await this.approver(request, scope.signal);
    const reason = 'reason' in outcome ? outcome.reason : undefined;
    this.onEvent?.({
      type: 'approval_decided',
      runId: scope.runId,
      toolCallId: call.id,
      toolName: tool.name,
      approval: outcome.state,
      ...(reason !== undefined && { reason }),
    });
    return outcome;
  }

  private async execute(tool: Tool, call: ToolCall, args: Record<string, unknown>, approval: ApprovalState, scope: RunScope): Promise<ToolCallRecord> {
    const record = { id: call.id, name: call.name, args, requestedArgs: call.args, approval, executed: true };
    try {
      const value: unknown = await tool.execute(args, {
        agentName: this.name,
        runId: scope.runId,
        ...(scope.conversationId !== undefined && { conversationId: scope.conversationId }),
        toolCallId: call.id,
        editedByReviewer: approval === 'edited',
        ...(scope.signal !== undefined && { signal: scope.signal }),
      });
      return { ...record, result: textOf(value), value };
    } catch (error) {
      // The model hears that the tool failed and can react; the run goes on.
      return { ...record, result: toolErrorMessage(error), error };
    }
  }
}

/** The model's text with a step's tool calls, and the messages before that step. */
interface ModelSaid {
  text: string | null;
  before: readonly Message[];
}

type TrustFields = Pick<ToolApprovalRequest, 'risk' | 'summary' | 'context' | 'challenges'>;

/** The tool's risk and summary for these arguments, and the model's reasons: what reviewers judge the call by. */
function trustOf(tool: Tool, args: Record<string, unknown>, said: ModelSaid): TrustFields {
  const trust: TrustFields = {};
  const risk = typeof tool.risk === 'function' ? tool.risk(args) : tool.risk;
  if (risk !== undefined) trust.risk = risk;
  const summary = typeof tool.summary === 'function' ? tool.summary(args) : tool.summary;
  if (summary !== undefined && summary.trim() !== '') trust.summary = oneLine(summary);
  const context = requestContextOf(said.text, said.before);
  if (context !== undefined) trust.context = context;
  const challenges = challengesOf(tool.permissions, args);
  if (challenges !== undefined) trust.challenges = challenges;
  return trust;
}

function toolsByName(tools: readonly Tool[]): Map<string, Tool> {
  const byName = new Map<string, Tool>();
  for (const tool of tools) {
    if (byName.has(tool.name)) throw new Error(`Two tools are named "${tool.name}"`);
    byName.set(tool.name, tool);
  }
  return byName;
}

/** Reviewers see the validated arguments (defaults filled in, unknown keys dropped) when those are plain JSON. */
function reviewArgsOf(validated: unknown, requested: unknown, toolName: string): JsonObject {
  for (const candidate of [validated, requested]) {
    if (isPlainObject(candidate) && findJsonProblem(candidate) === null) return candidate as JsonObject;
  }
  throw new TypeError(`The arguments of tool "${toolName}" are not plain JSON, so they cannot be shown to a reviewer`);
}
