import type { RiskLevel } from '@approval-hub/agent-sdk';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ProxySettings } from './proxy-settings.js';

export type ToolAnnotations = NonNullable<Tool['annotations']>;

/**
 * Whether a call to this tool must wait for a reviewer.
 *
 * Order: an operator's per-tool override is final; otherwise the server-level rule, which annotations may only
 * tighten: a tool that may destroy (MCP's defaults: `readOnlyHint` false, `destructiveHint` true) always asks.
 * The one loosening, `readOnlyHint: true` skipping approval, holds only on a server the operator marked trusted,
 * because annotations come from the very server they describe.
 */
export function toolNeedsApproval(settings: Pick<ProxySettings, 'requireApproval' | 'tools' | 'trusted'>, toolName: string, annotations: ToolAnnotations | undefined): boolean {
  const override = settings.tools[toolName]?.requireApproval;
  if (override !== undefined) return override;
  const readOnly = annotations?.readOnlyHint === true;
  if (settings.trusted && readOnly) return false;
  const destructive = !readOnly && annotations?.destructiveHint !== false;
  if (destructive) return true;
  const rule = settings.requireApproval;
  if (rule === 'always') return true;
  if (rule === 'never') return false;
  return rule.tools.includes(toolName);
}

/**
 * The risk reviewers see for a call, from the tool's MCP annotations, with MCP's defaults for what is absent
 * (`readOnlyHint` false, `destructiveHint` true, `openWorldHint` true): a read is `low`; a write that only adds is
 * `medium`; one that may destroy is `high` (so is a tool without annotations); one that says it destroys and reaches
 * outside (`destructiveHint` and `openWorldHint` both set true) is `critical`. Hub rules may raise it further.
 *
 * On a server the operator did not mark trusted, annotations may raise the risk but never lower it below the
 * default (`high`): a malicious server would otherwise label its destructive tool `readOnlyHint` to look harmless.
 */
export function riskOfAnnotations(annotations: ToolAnnotations | undefined, trusted: boolean): RiskLevel {
  const claimed = claimedRisk(annotations);
  if (trusted) return claimed;
  return claimed === 'critical' ? 'critical' : 'high';
}

function claimedRisk(annotations: ToolAnnotations | undefined): RiskLevel {
  if (annotations?.readOnlyHint === true) return 'low';
  if (annotations?.destructiveHint === false) return 'medium';
  if (annotations?.destructiveHint === true && annotations.openWorldHint === true) return 'critical';
  return 'high';
}
