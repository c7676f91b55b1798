import type { ApprovalResponse, JsonObject } from '@approval-hub/protocol';
import { ApprovalCancelledError } from '../client/errors.js';
import { sameJson } from './json-text.js';

/** How a tool call fared at the approval step. */
export type ApprovalState = 'not_required' | 'approved' | 'edited' | 'denied' | 'timeout' | 'cancelled';

/** A decided approval, in the terms the agent acts on. */
export type ApprovalOutcome =
  | { state: 'approved' }
  | { state: 'edited'; args: unknown }
  | { state: 'denied'; reason?: string }
  | { state: 'timeout' }
  | { state: 'cancelled'; reason?: string };

/** What an `onApproval` callback returns; `args` approves with edited arguments. */
export interface ApprovalDecisionLike {
  approved: boolean;
  reason?: string;
  args?: Record<string, unknown>;
}

/** Reads a hub decision. An expired request that the hub's timeout rule approved is an ordinary approval. */
export function outcomeOfResponse(response: ApprovalResponse): ApprovalOutcome {
  if (response.status === 'cancelled') return withReason('cancelled', response.reason);
  if (!response.approved) {
    const timedOut = response.status === 'expired' || response.decidedBy.kind === 'timeout';
    return timedOut ? { state: 'timeout' } : withReason('denied', response.reason);
  }
  return response.modified ? { state: 'edited', args: response.args } : { state: 'approved' };
}

/** Reads the hub's answer to one call: its decision, or `cancelled` when another process cancelled the request. */
export async function outcomeOfHubCall(call: Promise<ApprovalResponse>): Promise<ApprovalOutcome> {
  try {
    return outcomeOfResponse(await call);
  } catch (error) {
    if (error instanceof ApprovalCancelledError) return withReason('cancelled', error.reason);
    throw error;
  }
}

/** Reads a callback's decision; returned `args` count as an edit only when they differ from the requested ones. */
export function outcomeOfDecision(decision: ApprovalDecisionLike, requestedArgs: JsonObject): ApprovalOutcome {
  if (!decision.approved) return withReason('denied', decision.reason);
  if (decision.args !== undefined && !sameJson(decision.args, requestedArgs)) return { state: 'edited', args: decision.args };
  return { state: 'approved' };
}

function withReason(state: 'denied' | 'cancelled', reason: string | undefined): ApprovalOutcome {
  return reason === undefined ? { state } : { state, reason };
}
