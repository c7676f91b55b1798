import type { ApprovalRecord, JsonObject, Principal, Quorum } from '@approval-hub/protocol';
import { canonicalJson } from '../audit/canonical-json.js';

/** What one approval does to a request that needs a quorum. */
export type QuorumStep =
  | { kind: 'already_approved' }
  /** Counted, more are needed: the request stays pending with this quorum. */
  | { kind: 'partial'; quorum: Quorum; modified: boolean }
  /** The last approval needed: decide approved with these arguments. */
  | { kind: 'final'; quorum: Quorum; args: JsonObject; modified: boolean };

/**
 * Adds `principal`'s approval (with `editedArgs`, if the reviewer edited them) to the quorum as read. Everyone must
 * approve the same arguments: an edit that changes what is being approved is a new proposal, and starts the count
 * again with the editor's approval alone (so the proposer is always `approvals[0]`, which `decision-terms.ts` reads).
 * A plain approval reaches here only once the decision contract checked it names what would run.
 * `modified` says whether the arguments approved differ from the agent's own.
 */
export function quorumStep(record: ApprovalRecord, quorum: Quorum, principal: Principal, editedArgs: JsonObject | undefined, at: string): QuorumStep {
  const current = quorum.args ?? record.args;
  const approval = { id: principal.id, name: principal.name, at };
  let next: Quorum;
  if (editedArgs !== undefined && canonicalJson(editedArgs) !== canonicalJson(current)) {
    const backToOwn = canonicalJson(editedArgs) === canonicalJson(record.args);
    next = { rule: quorum.rule, required: quorum.required, approvals: [approval], ...(backToOwn ? {} : { args: editedArgs }) };
  } else {
    if (quorum.approvals.some((a) => a.id === principal.id)) return { kind: 'already_approved' };
    next = { ...quorum, approvals: [...quorum.approvals, approval] };
  }
  const args = next.args ?? record.args;
  const modified = next.args !== undefined;
  return next.approvals.length >= next.required ? { kind: 'final', quorum: next, args, modified } : { kind: 'partial', quorum: next, modified };
}
