import type { Challenge, RiskLevel } from '@approval-hub/protocol';
import type { z } from 'zod';

/** What a tool's `execute` gets besides its arguments. */
export interface ToolContext {
  agentName: string;
  runId: string;
  conversationId?: string;
  toolCallId: string;
  /** True when a reviewer edited the arguments; `execute` then receives the edited ones. */
  editedByReviewer: boolean;
  signal?: AbortSignal;
}

// Declared through a method so that a tool with narrower arguments still fits `Tool` (method parameters are bivariant).
type ApprovalCheck<Args> = { check(args: Args): boolean | Promise<boolean> }['check'];

/** A tool the model may call. Build one with `defineTool` to get its argument types inferred. */
export interface Tool<Params extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  /** Shown to the model, and to reviewers with each approval request. */
  readonly description: string;
  /** Validates the model's arguments (and a reviewer's edits) before the tool runs. */
  readonly parameters: Params;
  execute(args: z.output<Params>, ctx: ToolContext): unknown;
  /** Overrides the agent's policy: `true` always asks, `false` never does, a function decides per call. */
  readonly requiresApproval?: boolean | ApprovalCheck<z.output<Params>>;
  /** Marks a tool without side effects; with `autoApproveReadOnly` it runs without asking. */
  readonly readOnly?: boolean;
  /**
   * How much harm a call can do, shown to reviewers (high and critical ask them to confirm). A level, or a function
   * of the arguments (`({ namespace }) => namespace === 'prod' ? 'critical' : 'medium'`). Hub rules may raise it.
   */
  readonly risk?: RiskLevel | Derived<z.output<Params>, RiskLevel>;
  /** One line for the reviewer's queue, fixed or made from the arguments (`({ name }) => \`Delete pod ${name}\``). */
  readonly summary?: string | Derived<z.output<Params>, string>;
  /**
   * ADK-style permissions: the actions a call performs and the resources it touches, sent as the request's
   * `challenges`. Reviewers can then grant by action and resource patterns (`tool:local_file:*` on `/home/ann/*`)
   * instead of by raw arguments. `resources` may be derived from the arguments (`({ path }) => [path]`).
   */
  readonly permissions?: ToolPermissions<z.output<Params>>;
}

export interface ToolPermissions<Args> {
  actions: readonly string[];
  resources?: readonly string[] | Derived<Args, readonly string[]>;
}

// A method, for the same bivariance as ApprovalCheck.
type Derived<Args, T> = { derive(args: Args): T }['derive'];

/** Declares a tool; only there to infer the types of `execute`'s arguments from `parameters`. */
export function defineTool<Params extends z.ZodObject>(tool: Tool<Params>): Tool<Params> {
  return tool;
}

/** The challenges a tool's permissions give for these arguments; none when it declares no permissions. */
export function challengesOf<Args>(permissions: ToolPermissions<Args> | undefined, args: Args): Challenge[] | undefined {
  if (!permissions || permissions.actions.length === 0) return undefined;
  const resources = typeof permissions.resources === 'function' ? permissions.resources(args) : (permissions.resources ?? []);
  return [{ actions: [...permissions.actions], resources: [...resources] }];
}
