import type { ApprovalRecord, Principal } from '@approval-hub/protocol';
import type { PolicyRule } from '../config.js';

/**
 * The first hub policy whose every given field equals the request's; `*` matches anything. Who asked is the
 * authenticated principal (`principal` = token id, `agentName` = token name), never the label in the request.
 */
export function matchPolicy(rules: readonly PolicyRule[], principal: Principal, record: ApprovalRecord): PolicyRule | undefined {
  const matches = (pattern: string | undefined, value: string) => pattern === undefined || pattern === '*' || pattern === value;
  return rules.find(
    (rule) =>
      matches(rule.match.toolName, record.toolName) &&
      matches(rule.match.principal, principal.id) &&
      matches(rule.match.agentName, principal.name) &&
      matches(rule.match.queue, record.queue),
  );
}
