import type { Tool } from './tool.js';

/** Which tools need approval when they do not say so themselves: none, all, or the listed tool names. */
export type ApprovalPolicy = 'none' | 'all' | readonly string[];

export interface PolicySettings {
  policy: ApprovalPolicy;
  autoApproveReadOnly?: boolean;
}

/**
 * Whether this call needs a reviewer. The tool's own `requiresApproval` wins; then read-only tools pass when
 * `autoApproveReadOnly` is on; then the agent's policy decides.
 */
export async function needsApproval(tool: Tool, args: Record<string, unknown>, settings: PolicySettings): Promise<boolean> {
  const own = tool.requiresApproval;
  if (typeof own === 'function') return await own(args);
  if (typeof own === 'boolean') return own;
  return policyRequires(tool, settings);
}

/** Whether some call of this tool could need approval; used to refuse an agent that has nobody to ask. */
export function mayNeedApproval(tool: Tool, settings: PolicySettings): boolean {
  const own = tool.requiresApproval;
  if (typeof own === 'function') return true;
  if (typeof own === 'boolean') return own;
  return policyRequires(tool, settings);
}

function policyRequires(tool: Tool, { policy, autoApproveReadOnly }: PolicySettings): boolean {
  if (autoApproveReadOnly && tool.readOnly) return false;
  if (policy === 'all') return true;
  if (policy === 'none') return false;
  return policy.includes(tool.name);
}
