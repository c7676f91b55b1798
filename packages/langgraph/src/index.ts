import {
  approveToolCall,
  cancelledMessage,
  deniedMessage,
  stableJson,
  timeoutMessage,
  type ApprovalOutcome,
  type HubApprovalSettings,
} from '@approval-hub/agent-sdk';
import { Command, interrupt } from '@langchain/langgraph';

export type { HubApprovalSettings } from '@approval-hub/agent-sdk';

const SOURCE = 'langgraph';

/** The value `hubInterrupt` pauses the graph with. */
export interface HubInterruptValue {
  approvalHub: { toolName: string; args: Record<string, unknown>; toolCallId?: string; description?: string };
}

/** What `hubInterrupt` returns once the graph is resumed with the reviewer's decision. */
export interface HubDecision {
  /** Whether to make the call, with `args`. */
  approved: boolean;
  state: ApprovalOutcome['state'];
  /** The arguments to run with: the reviewer's edit, or the ones asked for. */
  args: Record<string, unknown>;
  edited: boolean;
  reason?: string;
  /** For a call not made: what to tell the model (`[DENIED] …`, `[TIMEOUT] …`). */
  message?: string;
}

/**
 * Inside a node or tool: pauses the graph until a reviewer decides, then returns the decision. Needs a
 * checkpointer, like every `interrupt()`. Pass the model's `toolCallId` when there is one: it becomes the
 * requestId, so a re-run asks idempotently (without it, the interrupt's id is used).
 */
export function hubInterrupt(request: HubInterruptValue['approvalHub']): HubDecision {
  return interrupt<HubInterruptValue, HubDecision>({ approvalHub: request });
}

/** The `humanInTheLoopMiddleware` interrupt value (langchain's `HITLRequest`). */
interface HitlRequest {
  actionRequests: { name: string; args: Record<string, unknown>; description?: string }[];
  reviewConfigs?: { actionName: string; allowedDecisions: ('approve' | 'edit' | 'reject')[] }[];
}

/** langchain's HITL `Decision`. */
export type HitlDecision =
  | { type: 'approve' }
  | { type: 'edit'; editedAction: { name: string; args: Record<string, unknown> } }
  | { type: 'reject'; message?: string };

interface InterruptLike {
  id?: string;
  value?: unknown;
}

interface StateSnapshotLike {
  values: unknown;
  tasks: readonly { interrupts?: readonly InterruptLike[] }[];
}

/** A compiled graph (`StateGraph.compile()`) or a langchain agent (`createAgent()`, whose graph is `agent.graph`). */
export interface Resumable {
  invoke(input: any, config?: any): Promise<any>;
}

interface GraphLike {
  getState(config: any): Promise<StateSnapshotLike>;
}

export interface RunConfig {
  configurable: { thread_id: string } & Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * Reads the thread's pending interrupts, asks the hub about each (`humanInTheLoopMiddleware` requests and
 * `hubInterrupt`s), and returns the `Command({ resume })` to continue with; null when nothing is pending.
 * Interrupts of other kinds are an error: this function cannot answer them.
 */
export async function resumeFromHub(target: Resumable, config: RunConfig, settings: HubApprovalSettings & { signal?: AbortSignal }): Promise<Command | null> {
  const snapshot = await graphOf(target).getState(config);
  const interrupts = snapshot.tasks.flatMap((task) => task.interrupts ?? []);
  if (interrupts.length === 0) return null;
  const runSettings = { ...settings, runId: settings.runId ?? config.configurable.thread_id };
  // All at once: reviewers see every pending call together and may decide them in any order.
  const answers = await Promise.all(
    interrupts.map(async (pending): Promise<[string, unknown]> => {
      if (!pending.id) throw new Error('An interrupt without an id cannot be resumed by id');
      if (isHitlRequest(pending.value)) return [pending.id, { decisions: await hitlDecisions(pending.value, snapshot.values, runSettings, pending.id) }];
      if (isHubInterrupt(pending.value)) return [pending.id, await hubDecision(pending.value.approvalHub, pending.id, runSettings)];
      throw new Error(`Interrupt ${pending.id} is neither a humanInTheLoopMiddleware request nor a hubInterrupt; answer it yourself`);
    }),
  );
  const resume = Object.fromEntries(answers);
  return new Command({ resume });
}

/**
 * `invoke` that answers every interrupt from the hub and resumes, until the graph finishes. The thread id is the
 * hub's `runId` unless `settings.runId` says otherwise.
 */
export async function invokeWithHub(target: Resumable, input: unknown, config: RunConfig, settings: HubApprovalSettings & { signal?: AbortSignal }): Promise<any> {
  let result: unknown = await target.invoke(input, config);
  for (;;) {
    const command = await resumeFromHub(target, config, settings);
    if (!command) return result;
    result = await target.invoke(command, config);
  }
}

/**
 * Decisions for one `humanInTheLoopMiddleware` interrupt, in the order of its action requests. `interruptId` keys
 * the requests of actions whose tool call cannot be found in `stateValues.messages`.
 */
export async function hitlDecisions(
  request: HitlRequest,
  stateValues: unknown,
  settings: HubApprovalSettings & { signal?: AbortSignal },
  interruptId?: string,
): Promise<HitlDecision[]> {
  const callIds = toolCallIdsFor(request.actionRequests, stateValues);
  return Promise.all(
    request.actionRequests.map(async (action, index): Promise<HitlDecision> => {
      const allowed = request.reviewConfigs?.find((c) => c.actionName === action.name)?.allowedDecisions ?? ['approve', 'edit', 'reject'];
      const outcome = await approveToolCall(settings, {
        source: SOURCE,
        toolCallId: callIds[index] ?? `${interruptId ?? 'interrupt'}-${index}`,
        toolName: action.name,
        args: action.args,
        ...(action.description !== undefined && { description: action.description }),
        ...(settings.signal !== undefined && { signal: settings.signal }),
      });
      if (outcome.state === 'approved') return { type: 'approve' };
      if (outcome.state === 'edited' && allowed.includes('edit')) {
        return { type: 'edit', editedAction: { name: action.name, args: outcome.args as Record<string, unknown> } };
      }
      return { type: 'reject', message: refusalText(outcome) };
    }),
  );
}

async function hubDecision(request: HubInterruptValue['approvalHub'], interruptId: string, settings: HubApprovalSettings & { signal?: AbortSignal }): Promise<HubDecision> {
  const outcome = await approveToolCall(settings, {
    source: SOURCE,
    toolCallId: request.toolCallId ?? interruptId,
    toolName: request.toolName,
    args: request.args,
    ...(request.description !== undefined && { description: request.description }),
    ...(settings.signal !== undefined && { signal: settings.signal }),
  });
  switch (outcome.state) {
    case 'approved':
      return { approved: true, state: 'approved', args: request.args, edited: false };
    case 'edited':
      return { approved: true, state: 'edited', args: outcome.args as Record<string, unknown>, edited: true };
    default: {
      const reason = 'reason' in outcome ? outcome.reason : undefined;
      return { approved: false, state: outcome.state, args: request.args, edited: false, ...(reason !== undefined && { reason }), message: refusalText(outcome) };
    }
  }
}

/** The middleware's action requests carry no tool call id; they follow the last AI message's tool calls in order. */
function toolCallIdsFor(actions: HitlRequest['actionRequests'], stateValues: unknown): (string | undefined)[] {
  const messages = (stateValues as { messages?: unknown[] } | null)?.messages ?? [];
  const lastAi = [...messages].reverse().find((m): m is { tool_calls: { id?: string; name: string; args: unknown }[] } =>
    Array.isArray((m as { tool_calls?: unknown }).tool_calls),
  );
  const unused = [...(lastAi?.tool_calls ?? [])];
  return actions.map((action) => {
    const index = unused.findIndex((call) => call.name === action.name && stableJson(call.args) === stableJson(action.args));
    if (index === -1) return undefined;
    const [call] = unused.splice(index, 1);
    return call?.id;
  });
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
      return `[NOT RUN] A reviewer approved this call only with different arguments: ${stableJson(outcome.args)}, and editing is not allowed for this tool. If it is still needed, call the tool again with exactly those arguments.`;
    default:
      return '[NOT RUN] The call was not made.';
  }
}

function graphOf(target: Resumable): GraphLike {
  const inner = (target as { graph?: Partial<GraphLike> }).graph;
  if (inner && typeof inner.getState === 'function') return inner as GraphLike;
  if (typeof (target as Partial<GraphLike>).getState === 'function') return target as unknown as GraphLike;
  throw new Error('Pass a compiled graph or a createAgent() agent: it has no getState()');
}

function isHitlRequest(value: unknown): value is HitlRequest {
  return typeof value === 'object' && value !== null && Array.isArray((value as HitlRequest).actionRequests);
}

function isHubInterrupt(value: unknown): value is HubInterruptValue {
  const inner = (value as Partial<HubInterruptValue> | null)?.approvalHub;
  return typeof inner === 'object' && inner !== null && typeof inner.toolName === 'string';
}
