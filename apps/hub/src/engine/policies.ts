import type { ApprovalRecord } from '@approval-hub/protocol';
import type { PolicyRule } from '../config.js';

/** The first hub policy whose every given field equals the request's; `*` matches anything. */
export function matchPolicy(rules: readonly PolicyRule[], record: ApprovalRecord): PolicyRule | undefined {
  const matches = (pattern: string | undefined, value: string) => pattern === undefined || pattern === '*' || pattern === value;
  return rules.find(
    (rule) => matches(rule.match.toolName, record.toolName) && matches(rule.match.agentName, record.agentName) && matches(rule.match.queue, record.queue),
  );
}
