import {
  type Ack,
  type ApprovalRecord,
  type ErrorInfo,
  type JsonObject,
  type Proposal,
  ApprovalRecord as ApprovalRecordSchema,
  Proposal as ProposalSchema,
} from '@approval-hub/protocol';
import { describeAgent } from '../domain/agentIdentity';
import { describeOutcome } from '../domain/decidedBy';
import { serverNow } from '../domain/expiry';
import { jsonEqual } from '../domain/jsonEqual';
import type { QueueItem } from '../domain/queueItem';
import { type Removal, applyQueueEvents, removeFromQueue } from '../domain/queueState';
import { quorumProgress } from '../domain/quorum';
import type { NoticeTone } from './noticeSlice';
import { queueDataOf } from './queueSlice';
import { AUTO_MOVE_GUARD_MS, selectionPatch } from './selectionSlice';
import type { ConsoleSlice, SliceDeps } from './types';

/** `grant`: "Approve & allow similar", an approval carrying a standing grant in the same call. */
export type DecisionKind = 'approve' | 'deny' | 'edit' | 'grant';

/** How long to wait for the hub's ack before saying we do not know what happened. */
export const DECISION_ACK_TIMEOUT_MS = 15_000;

export type DecisionState =
  | { readonly phase: 'sending'; readonly kind: DecisionKind; readonly sentArgs: JsonObject | null; readonly scope?: string }
  | { readonly phase: 'failed'; readonly kind: DecisionKind; readonly message: string };

/** The ack (validated) or the lack of one within DECISION_ACK_TIMEOUT_MS. */
export type DecisionOutcome = { readonly type: 'ack'; readonly ack: Ack<ApprovalRecord> } | { readonly type: 'no_answer' };

export type Actionability = { readonly ok: true; readonly item: QueueItem } | { readonly ok: false; readonly reason: string };

export interface DecisionSlice {
  /** Per request id: a decision on its way, or the last one that failed and may be retried. */
  readonly decisions: Readonly<Record<string, DecisionState>>;
  /** Whether a decision may be sent now, and if not, why (shown next to the disabled buttons). */
  checkActionable(requestId: string): Actionability;
  /** Marks the decision in flight; refuses a second one for the same request. `scope`: the grant's, in words. */
  startDecision(requestId: string, kind: DecisionKind, sentArgs: JsonObject | null, scope?: string): Actionability;
  /** The hub's ack decides the outcome: nothing is removed or reported before it. */
  settleDecision(requestId: string, outcome: DecisionOutcome): void;
}

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
function recordOfAck(ack: Ack<ApprovalRecord>, requestId: string): ApprovalRecord | null {
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

export function createDecisionSlice(deps: SliceDeps): ConsoleSlice<DecisionSlice> {
  return (set, get) => {
    /** Removes the request (the ack says it is no longer pending) and reports it, in one update. */
    const finish = (requestId: string, removal: Removal, tone: NoticeTone, text: string, noteText?: string) => {
      const state = get();
      const change = removeFromQueue(queueDataOf(state), [removal], deps.ledger);
      set(
        {
          ...change.data,
          ...selectionPatch(state, change.data, change.departed, deps.now(), noteText),
          decisions: without(state.decisions, requestId),
        },
        undefined,
        'decision/settle',
      );
      get().pushNotice(tone, text);
    };

    const fail = (requestId: string, kind: DecisionKind, message: string) => {
      set({ decisions: { ...get().decisions, [requestId]: { phase: 'failed', kind, message } } }, undefined, 'decision/fail');
      get().pushNotice('error', message);
    };

    return {
      decisions: {},

      checkActionable: (requestId) => {
        const state = get();
        if (state.connection !== 'connected') return { ok: false, reason: 'Not connected to the hub: decisions are paused.' };
        const item = state.items.get(requestId);
        if (!item) return { ok: false, reason: 'This request is no longer pending.' };
        if (state.decisions[requestId]?.phase === 'sending') return { ok: false, reason: 'A decision for this request is on its way.' };
        if (serverNow(state.serverOffsetMs, deps.now()) >= item.expiresMs) return { ok: false, reason: 'This request has expired.' };
        if (state.selectedId === requestId && state.autoMovedAt !== null && deps.now() - state.autoMovedAt < AUTO_MOVE_GUARD_MS) {
          return { ok: false, reason: 'The selection just changed: check this request first.' };
        }
        return { ok: true, item };
      },

      startDecision: (requestId, kind, sentArgs, scope) => {
        const check = get().checkActionable(requestId);
        if (!check.ok) return check;
        const entry: DecisionState = scope === undefined ? { phase: 'sending', kind, sentArgs } : { phase: 'sending', kind, sentArgs, scope };
        set({ decisions: { ...get().decisions, [requestId]: entry } }, undefined, 'decision/start');
        return check;
      },

      settleDecision: (requestId, outcome) => {
        const state = get();
        const entry = state.decisions[requestId];
        if (entry?.phase !== 'sending') return; // not ours, or already settled
        // The row may already be gone (a resolved event can beat the ack): then the ack's record names it,
        // or for `already_decided` / `expired` the record the hub sends along with the error.
        const known = state.items.get(requestId)?.record ?? (outcome.type === 'ack' ? recordOfAck(outcome.ack, requestId) : null);
        const what = known ? `${known.toolName} from ${describeAgent(known)}` : `request ${requestId}`;
        const myId = state.principal?.id ?? null;

        if (outcome.type === 'no_answer') {
          fail(
            requestId,
            entry.kind,
            `No answer from the hub about ${what}. The decision may or may not have been recorded; the queue will show the truth once connected.`,
          );
          return;
        }
        const ack = outcome.ack;
        if (ack.ok && ack.data.status === 'pending') {
          // An approval toward a quorum: counted, and the request stays for the other reviewers.
          const change = applyQueueEvents(queueDataOf(state), [{ type: 'updated', record: ack.data }], deps.ledger);
          // An edit that was counted is now the proposal on screen: the editor closes on it.
          const editing = entry.kind === 'edit' && state.editingId === requestId ? { editingId: null } : {};
          set({ ...change.data, ...editing, decisions: without(state.decisions, requestId) }, undefined, 'decision/counted');
          const progress = quorumProgress(ack.data, myId)?.text ?? 'more approvals are needed';
          get().pushNotice(
            'success',
            entry.kind === 'edit'
              ? `Your edited arguments for ${what} were proposed, with your approval: ${progress}. Other reviewers now see them, with their diff.`
              : `Your approval of ${what} was counted: ${progress}.`,
          );
          return;
        }
        if (ack.ok) {
          const record = ack.data;
          const edited = entry.sentArgs !== null && record.decision !== undefined && !jsonEqual(record.decision.args, entry.sentArgs);
          const done = entry.kind === 'grant' && entry.scope !== undefined ? `Approved ${what} and allowed similar calls: ${entry.scope}.` : `${VERB[entry.kind]} ${what}.`;
          finish(requestId, { id: requestId, outcome: record }, 'success', done);
          if (edited) get().pushNotice('warning', `The hub recorded arguments for ${what} that differ from the ones you sent. Check its history.`);
          return;
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
            finish(requestId, { id: requestId, outcome: winner.success ? winner.data : null }, 'warning', sentence, text);
            return;
          }
          case 'expired': {
            // The hub sends the expired record along; the queue only needs to know it is gone.
            const record = ApprovalRecordSchema.safeParse(ack.error.details);
            finish(requestId, { id: requestId, outcome: record.success ? record.data : null }, 'warning', `Too late: ${what} expired before your decision reached the hub.`, 'expired before your decision arrived');
            return;
          }
          case 'proposal_changed': {
            // What would run is no longer what this reviewer saw: nothing was approved. The hub sends the current
            // proposal along; the request stays, shows it, and the dwell starts again before the next decision.
            const current = get().items.get(requestId)?.record;
            const proposal = proposalIn(ack.error.details);
            if (current && proposal !== undefined) {
              const record: ApprovalRecord = { ...current };
              if (proposal === null) delete record.proposal;
              else record.proposal = proposal;
              get().applyEvents([{ type: 'updated', record }]);
            }
            const by = proposal ? ` ${proposal.proposedBy.id === myId ? 'You' : proposal.proposedBy.name} proposed other arguments.` : '';
            fail(requestId, entry.kind, `The request changed before your approval of ${what} arrived: nothing was approved.${by} Review the arguments that would run now, then decide again.`);
            return;
          }
          case 'not_found':
            finish(requestId, { id: requestId, outcome: null }, 'warning', `The hub no longer knows ${what}.`, 'unknown to the hub');
            return;
          default:
            fail(requestId, entry.kind, failureMessage(ack.error));
        }
      },
    };
  };
}
