import {
  type ApprovalRecord,
  type ErrorInfo,
  type Proposal,
  ApprovalRecord as ApprovalRecordSchema,
  Proposal as ProposalSchema,
} from '@approval-hub/protocol';
import { describeAgent } from '../domain/agentIdentity';
import { describeOutcome } from '../domain/decidedBy';
import { jsonEqual } from '../domain/jsonEqual';
import { type Removal, applyQueueEvents, removeFromQueue } from '../domain/queueState';
import { quorumProgress } from '../domain/quorum';
import type { DecisionKind, DecisionOutcome, DecisionState } from './decisionSlice';
import type { NoticeDraft } from './noticeSlice';
import { queueDataOf } from './queueSlice';
import { type Change, eventsChange, selectionPatch } from './transitions';
import type { ConsoleState } from './types';

const VERB: Record<DecisionKind, string> = { approve: 'Approved', deny: 'Denied', edit: 'Approved with edited arguments:', grant: 'Approved' };

function failureMessage(error: ErrorInfo): string {
  switch (error.code) {
    case 'rate_limited':
      return 'The hub is limiting decisions right now. Wait a moment and try again.';
    case 'invalid_payload':
      return `The hub refused the decision as invalid: ${error.message}`;
    case 'forbidden':
      return 'You may not decide requests in this queue.';
    case 'unauthorized':
      return 'Your session is no longer valid. Sign in again.';
    case 'internal':
      return 'The hub could not record the decision (internal error). Try again.';
    case 'already_approved_by_you':
      return 'You already approved this request: it needs an approval from another reviewer.';
    default:
      return `The hub refused the decision (${error.code}): ${error.message}`;
  }
}

/** The request's record carried by an ack: its data, or the details of an error that sends one along. */
function recordOfAck(outcome: DecisionOutcome, requestId: string): ApprovalRecord | null {
  if (outcome.type !== 'ack') return null;
  const ack = outcome.ack;
  if (ack.ok) return ack.data;
  if (ack.error.code !== 'already_decided' && ack.error.code !== 'expired') return null;
  const record = ApprovalRecordSchema.safeParse(ack.error.details);
  return record.success && record.data.requestId === requestId ? record.data : null;
}

/** The current proposal in a `proposal_changed` error's details: the proposal, null when none is pending, undefined when unreadable. */
function proposalIn(details: unknown): Proposal | null | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const record = ApprovalRecordSchema.safeParse(details);
  if (record.success) return record.data.proposal ?? null;
  if (!('proposal' in details) || details.proposal === undefined || details.proposal === null) return null;
  const proposal = ProposalSchema.safeParse(details.proposal);
  return proposal.success ? proposal.data : undefined;
}

function without<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}

/** What the hub's answer (or its silence) to our decision on `requestId` changes; `entry` is the decision in flight. */
export function settlement(state: ConsoleState, requestId: string, entry: DecisionState & { phase: 'sending' }, outcome: DecisionOutcome, now: number): Change {
  // The row may already be gone (a resolved event can beat the ack): then the ack's record names it,
  // or for `already_decided` / `expired` the record the hub sends along with the error.
  const known = state.items.get(requestId)?.record ?? recordOfAck(outcome, requestId);
  const what = known ? `${known.toolName} from ${describeAgent(known)}` : `request ${requestId}`;
  const myId = state.principal?.id ?? null;

  /** Removes the request (the ack says it is no longer pending) and reports it. */
  const finish = (removal: Removal, notices: readonly NoticeDraft[], noteText?: string): Change => {
    const change = removeFromQueue(queueDataOf(state), [removal], state.ledger);
    return {
      patch: { ...change.data, ...selectionPatch(state, change.data, change.departed, now, noteText), decisions: without(state.decisions, requestId) },
      notices,
    };
  };
  /** The request stays; the failure is kept next to its buttons and reported. */
  const fail = (message: string, before: Change = { patch: {}, notices: [] }): Change => ({
    patch: { ...before.patch, decisions: { ...state.decisions, [requestId]: { phase: 'failed', kind: entry.kind, message } } },
    notices: [...before.notices, ['error', message]],
  });

  if (outcome.type === 'no_answer') {
    return fail(`No answer from the hub about ${what}. The decision may or may not have been recorded; the queue will show the truth once connected.`);
  }
  const ack = outcome.ack;
  if (ack.ok && ack.data.status === 'pending') {
    // An approval toward a quorum: counted, and the request stays for the other reviewers.
    const change = applyQueueEvents(queueDataOf(state), [{ type: 'updated', record: ack.data }], state.ledger);
    // An edit that was counted is now the proposal on screen: the editor closes on it.
    const editing = entry.kind === 'edit' && state.editingId === requestId ? { editingId: null } : {};
    const progress = quorumProgress(ack.data, myId)?.text ?? 'more approvals are needed';
    const text =
      entry.kind === 'edit'
        ? `Your edited arguments for ${what} were proposed, with your approval: ${progress}. Other reviewers now see them, with their diff.`
        : `Your approval of ${what} was counted: ${progress}.`;
    return { patch: { ...change.data, ...editing, decisions: without(state.decisions, requestId) }, notices: [['success', text]] };
  }
  if (ack.ok) {
    const record = ack.data;
    const edited = entry.sentArgs !== null && record.decision !== undefined && !jsonEqual(record.decision.args, entry.sentArgs);
    const done = entry.kind === 'grant' && entry.scope !== undefined ? `Approved ${what} and allowed similar calls: ${entry.scope}.` : `${VERB[entry.kind]} ${what}.`;
    const notices: NoticeDraft[] = [['success', done]];
    if (edited) notices.push(['warning', `The hub recorded arguments for ${what} that differ from the ones you sent. Check its history.`]);
    return finish({ id: requestId, outcome: record }, notices);
  }
  switch (ack.error.code) {
    case 'already_decided': {
      const winner = ApprovalRecordSchema.safeParse(ack.error.details);
      const text = winner.success ? describeOutcome(winner.data, myId) : 'decided by someone else';
      const status = winner.success ? winner.data.status : null;
      const sentence =
        status === 'expired'
          ? `Too late: ${what} expired before your decision arrived.`
          : status === 'cancelled'
            ? `Too late: ${what} was cancelled by the agent.`
            : `Too late: ${what} was already ${text}.`;
      return finish({ id: requestId, outcome: winner.success ? winner.data : null }, [['warning', sentence]], text);
    }
    case 'expired': {
      // The hub sends the expired record along; the queue only needs to know it is gone.
      const record = ApprovalRecordSchema.safeParse(ack.error.details);
      return finish(
        { id: requestId, outcome: record.success ? record.data : null },
        [['warning', `Too late: ${what} expired before your decision reached the hub.`]],
        'expired before your decision arrived',
      );
    }
    case 'proposal_changed': {
      // What would run is no longer what this reviewer saw: nothing was approved. The hub sends the current
      // proposal along; the request stays, shows it, and the dwell starts again before the next decision.
      const current = state.items.get(requestId)?.record;
      const proposal = proposalIn(ack.error.details);
      let shown: Change | null = null;
      if (current && proposal !== undefined) {
        const record: ApprovalRecord = { ...current };
        if (proposal === null) delete record.proposal;
        else record.proposal = proposal;
        shown = eventsChange(state, [{ type: 'updated', record }], now);
      }
      const by = proposal ? ` ${proposal.proposedBy.id === myId ? 'You' : proposal.proposedBy.name} proposed other arguments.` : '';
      return fail(
        `The request changed before your approval of ${what} arrived: nothing was approved.${by} Review the arguments that would run now, then decide again.`,
        shown ?? undefined,
      );
    }
    case 'not_found':
      return finish({ id: requestId, outcome: null }, [['warning', `The hub no longer knows ${what}.`]], 'unknown to the hub');
    default:
      return fail(failureMessage(ack.error));
  }
}
