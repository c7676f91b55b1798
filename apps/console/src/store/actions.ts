import {
  type ApprovalRecord,
  type ErrorInfo,
  type JsonObject,
  type Proposal,
  type QueueSnapshot,
  ApprovalRecord as ApprovalRecordSchema,
  Proposal as ProposalSchema,
} from '@approval-hub/protocol';
import { describeAgent } from '../domain/agentIdentity';
import { describeOutcome, isDecidedBy } from '../domain/decidedBy';
import { serverNow, serverOffsetFrom } from '../domain/expiry';
import { jsonEqual } from '../domain/jsonEqual';
import { proposalOf, proposerName } from '../domain/proposal';
import type { QueueItem } from '../domain/queueItem';
import { type Departure, type QueueData, type QueueEvent, type Removal, applyQueueEvents, removeFromQueue, replaceWithSnapshot, selectionAfter } from '../domain/queueState';
import { ALREADY_APPROVED_REASON, quorumProgress } from '../domain/quorum';
import { RecentIds } from '../domain/recentIds';
import { confirmationFor } from '../domain/risk';
import type { Actionability, DecisionKind, DecisionOutcome, DecisionState } from './decisionSlice';
import { type NoticeDraft, appendNotices } from './noticeSlice';
import { type Arrivals, type SnapshotTiming, queueDataOf } from './queueSlice';
import { type ApprovalStep, type ApproveAction, DECISION_DWELL_MS, JUST_SHOWN_REASON, digestOf, unseenReason } from './reviewSlice';
import { AUTO_MOVE_GUARD_MS, type DepartedNote } from './selectionSlice';
import type { SignInProblem } from './sessionSlice';
import type { ConsoleSlice, ConsoleState, SliceDeps } from './types';

/**
 * Every action that reads or writes more than one slice, in one place (zustand's slices pattern): each one reads the
 * state once and commits with a single `set`, notices included, so no one ever renders half of a change.
 */
export interface CrossSliceActions {
  /** Everything back to the start (queue, ledger, history, notices…) except the reviewer's notification choices. */
  signIn(token: string): void;
  /** The hub refused the token: back to the sign-in page, saying why. */
  refuse(problem: SignInProblem): void;
  signOut(): void;
  /**
   * Replaces the whole queue with the hub's snapshot (after every connect and reconnect), then applies
   * `after`, the events pushed while it was being read, in the same update.
   */
  applySnapshot(snapshot: QueueSnapshot, timing: SnapshotTiming, after?: readonly QueueEvent[]): void;
  /** Applies one frame's worth of pushed `approval.request` / `approval.resolved` events. */
  applyEvents(events: readonly QueueEvent[]): void;
  select(requestId: string | null): void;
  /** `j` / `k`: the next or previous visible request. */
  moveSelection(delta: 1 | -1): void;
  /** Whether a decision may be sent now, and if not, why (shown next to the disabled buttons). */
  checkActionable(requestId: string): Actionability;
  /** Marks the decision in flight; refuses a second one for the same request. `scope`: the grant's, in words. */
  startDecision(requestId: string, kind: DecisionKind, sentArgs: JsonObject | null, scope?: string): Actionability;
  /** The hub's ack decides the outcome: nothing is removed or reported before it. */
  settleDecision(requestId: string, outcome: DecisionOutcome): void;
  /**
   * The detail pane now shows this request as it is in the queue: nothing of it is known to be seen yet, no
   * confirmation is armed, and the dwell starts. Called again after what would run changed (a new proposal), it starts
   * the dwell again; with nothing changed, it changes nothing.
   */
  beginReview(requestId: string): void;
  /** A part of the shown request is hidden (`what` says how to reveal it) or, with null, fully on screen. */
  reportUnseen(requestId: string, path: string, what: string | null): void;
  /** Whether the request's detail is on screen and has been for DECISION_DWELL_MS: the condition of any decision. */
  checkSeen(requestId: string): Actionability;
  /** Whether the request may be denied now: decidable, and its detail seen. */
  checkDecidable(requestId: string): Actionability;
  /** Whether the request may be approved now: decidable, seen, and nothing of it hidden. */
  checkApprovable(requestId: string): Actionability;
  /**
   * One press of an approve action (Approve or `a`, Approve edited arguments, Approve & allow): low and medium risk
   * send at once; high risk arms that action on the first press and sends on its second; critical risk asks for the
   * tool name and sends only with it typed exactly. Pressing another action arms that one instead.
   */
  approvalStep(requestId: string, action: ApproveAction, typedName?: string): ApprovalStep;
}

/** What one action changes: its state patch and the notices it reports, committed together. */
interface Change {
  readonly patch: Partial<ConsoleState>;
  readonly notices: readonly NoticeDraft[];
}

// ---- Selection ----------------------------------------------------------------------------------------------------

/**
 * The part of a state change that moves the selection when the selected request left the queue.
 * When it left because of this reviewer's own decision the move is quiet (that is the flow:
 * decide, next); otherwise the pane says what happened and decisions wait a moment.
 */
function selectionPatch(state: ConsoleState, next: QueueData, departed: readonly Departure[], now: number, noteText?: string): Partial<ConsoleState> {
  const selectedId = state.selectedId;
  if (selectedId === null || next.items.has(selectedId)) return {};
  const newId = selectionAfter(selectedId, state.visibleIds, next.items, next.visibleIds);
  const gone = departed.find((d) => d.item.id === selectedId);
  const myId = state.principal?.id ?? null;
  const own = gone?.outcome != null && isDecidedBy(gone.outcome, myId);
  const departedNote: DepartedNote | null =
    gone && !own
      ? {
          requestId: selectedId,
          toolName: gone.item.record.toolName,
          text: noteText ?? (gone.outcome ? describeOutcome(gone.outcome, myId) : 'no longer pending'),
        }
      : null;
  return {
    selectedId: newId,
    departedNote,
    autoMovedAt: newId === null || own ? null : now,
    selectedBy: 'console',
    selectedAt: now,
    editingId: null,
    reasonDraft: '',
  };
}

// ---- Queue --------------------------------------------------------------------------------------------------------

/** What would run of the request on screen changed (another reviewer proposed an edit): say so, it needs a new look. */
function proposalChangeNotice(before: ConsoleState, after: ConsoleState): string | null {
  const id = after.selectedId;
  if (id === null || id !== before.selectedId) return null;
  const was = before.items.get(id)?.record;
  const now = after.items.get(id)?.record;
  if (!was || !now || digestOf(was) === digestOf(now)) return null;
  const proposal = proposalOf(now);
  if (proposal?.proposedBy && proposal.proposedBy.id === after.principal?.id) return null;
  if (!proposal) return `The edit proposed for ${now.toolName} was withdrawn: the agent’s own arguments would run. Look again before deciding.`;
  return `${proposerName(proposal, after.principal?.id ?? null)} proposed edited arguments for ${now.toolName}: they would run instead. Look at them before deciding.`;
}

/** More than this many departures in one batch are summed up in one notice. */
const NOTICE_BURST = 3;

function departureNotices(state: ConsoleState, departed: readonly Departure[]): NoticeDraft[] {
  const myId = state.principal?.id ?? null;
  // A request with our own decision in flight is reported by the ack, not here.
  const shown = departed.filter((d) => d.outcome !== null && state.decisions[d.item.id]?.phase !== 'sending');
  if (shown.length === 0) return [];
  if (shown.length > NOTICE_BURST) return [['info', `${shown.length} requests were decided elsewhere and left the queue.`]];
  return shown.map(({ item, outcome }) => [
    'info',
    `${item.record.toolName} from ${describeAgent(item.record)} was ${outcome ? describeOutcome(outcome, myId) : 'removed'}.`,
  ]);
}

function arrivalsAfter(previous: Arrivals | null, added: readonly QueueItem[]): Arrivals {
  return {
    seq: (previous?.seq ?? 0) + 1,
    count: added.length,
    toolNames: added.slice(0, 3).map((i) => i.record.toolName),
    agents: [...new Set(added.map((i) => i.record.agent.name))].slice(0, 3),
  };
}

/** Pushed events applied to `state`; null when they change nothing on screen. */
function eventsChange(state: ConsoleState, events: readonly QueueEvent[], now: number): Change | null {
  if (events.length === 0) return null;
  const change = applyQueueEvents(queueDataOf(state), events, state.ledger);
  // Nothing changed (an in-place update, a quorum approval, changes `items` without adding or removing).
  if (change.data.items === state.items) return null;
  const arrivals = change.added.length > 0 ? arrivalsAfter(state.arrivals, change.added) : state.arrivals;
  const patch = { ...change.data, ...selectionPatch(state, change.data, change.departed, now), arrivals };
  const notices = departureNotices(state, change.departed);
  const changed = proposalChangeNotice(state, { ...state, ...patch });
  return { patch, notices: changed ? [...notices, ['warning', changed]] : notices };
}

// ---- Decisions ----------------------------------------------------------------------------------------------------

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
function settlement(state: ConsoleState, requestId: string, entry: DecisionState & { phase: 'sending' }, outcome: DecisionOutcome, now: number): Change {
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

// ---- The actions --------------------------------------------------------------------------------------------------

export const createCrossSliceActions =
  (deps: SliceDeps): ConsoleSlice<CrossSliceActions> =>
  (set, get, api) => {
    const commit = (action: string, change: Change) =>
      set(
        change.notices.length > 0 ? { ...change.patch, notices: appendNotices(get().notices, change.notices, deps.nextNoticeId) } : change.patch,
        undefined,
        action,
      );

    /** The initial state, with a new (empty) ledger, keeping the reviewer's notification choices. */
    const fresh = (): Partial<ConsoleState> => {
      const { desktopNotify, soundNotify } = get();
      return { ...api.getInitialState(), ledger: new RecentIds(deps.ledgerCapacity), desktopNotify, soundNotify };
    };

    const checkActionable = (requestId: string): Actionability => {
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
    };

    const checkSeen = (requestId: string): Actionability => {
      const state = get();
      const item = state.items.get(requestId);
      if (!item || state.review.requestId !== requestId) return { ok: false, reason: 'Open the request to review it before deciding.' };
      // What would run changed since the detail was shown, and it has not rendered the change yet.
      if (digestOf(item.record) !== state.review.digest) return { ok: false, reason: 'The request just changed: look at it again before deciding.' };
      if (deps.now() - state.review.shownAt < DECISION_DWELL_MS) return { ok: false, reason: JUST_SHOWN_REASON };
      return { ok: true, item };
    };

    const checkDecidable = (requestId: string): Actionability => {
      const check = checkActionable(requestId);
      return check.ok ? checkSeen(requestId) : check;
    };

    const checkApprovable = (requestId: string): Actionability => {
      const check = checkDecidable(requestId);
      if (!check.ok) return check;
      const state = get();
      if (quorumProgress(check.item.record, state.principal?.id ?? null)?.approvedByMe) return { ok: false, reason: ALREADY_APPROVED_REASON };
      const hidden = unseenReason(state.review.unseen);
      return hidden ? { ok: false, reason: hidden } : check;
    };

    const select = (requestId: string | null) => {
      if (requestId === get().selectedId) return;
      set(
        { selectedId: requestId, departedNote: null, autoMovedAt: null, selectedBy: 'reviewer', selectedAt: deps.now(), editingId: null, reasonDraft: '' },
        undefined,
        'selection/select',
      );
    };

    return {
      signIn: (token) => set({ ...fresh(), token }, undefined, 'session/signIn'),
      refuse: (signInProblem) => set({ ...fresh(), signInProblem }, undefined, 'session/refuse'),
      signOut: () => set(fresh(), undefined, 'session/signOut'),

      applySnapshot: (snapshot, timing, after = []) => {
        const state = get();
        const replaced = replaceWithSnapshot(queueDataOf(state), snapshot.pending, state.ledger);
        // Events that arrived while the snapshot was on its way land in the same update, so no one ever
        // sees a request the hub already resolved come back for a moment.
        const later = after.length > 0 ? applyQueueEvents(replaced.data, after, state.ledger) : null;
        const data = later?.data ?? replaced.data;
        const left = replaced.departed.length;
        const notices: NoticeDraft[] = [];
        if (state.lastSyncedAt !== null && left > 0) notices.push(['info', `${left} ${left === 1 ? 'request' : 'requests'} left the queue while the connection was down.`]);
        notices.push(...departureNotices(state, later?.departed ?? []));
        commit('queue/applySnapshot', {
          patch: {
            ...data,
            ...selectionPatch(state, data, [...replaced.departed, ...(later?.departed ?? [])], deps.now()),
            ...(later && later.added.length > 0 ? { arrivals: arrivalsAfter(state.arrivals, later.added) } : {}),
            subscribedQueues: snapshot.queues,
            serverOffsetMs: serverOffsetFrom(snapshot.serverTime, timing.sentAt, timing.receivedAt),
            lastSyncedAt: timing.receivedAt,
            connection: 'connected',
          },
          notices,
        });
      },

      applyEvents: (events) => {
        const change = eventsChange(get(), events, deps.now());
        if (change) commit('queue/applyEvents', change);
      },

      select,
      moveSelection: (delta) => {
        const { visibleIds, selectedId } = get();
        if (visibleIds.length === 0) return;
        const index = selectedId === null ? -1 : visibleIds.indexOf(selectedId);
        const nextIndex = index < 0 ? (delta > 0 ? 0 : visibleIds.length - 1) : Math.min(visibleIds.length - 1, Math.max(0, index + delta));
        select(visibleIds[nextIndex] ?? null);
      },

      checkActionable,
      startDecision: (requestId, kind, sentArgs, scope) => {
        const check = checkActionable(requestId);
        if (!check.ok) return check;
        const entry: DecisionState = scope === undefined ? { phase: 'sending', kind, sentArgs } : { phase: 'sending', kind, sentArgs, scope };
        set({ decisions: { ...get().decisions, [requestId]: entry } }, undefined, 'decision/start');
        return check;
      },
      settleDecision: (requestId, outcome) => {
        const state = get();
        const entry = state.decisions[requestId];
        if (entry?.phase !== 'sending') return; // not ours, or already settled
        commit('decision/settle', settlement(state, requestId, entry, outcome, deps.now()));
      },

      // React runs a child's effects before its parent's: the tree may already have reported for this request.
      beginReview: (requestId) => {
        const { review, items } = get();
        const digest = digestOf(items.get(requestId)?.record);
        if (review.requestId === requestId && review.digest === digest) return;
        const unseen = review.requestId === requestId ? review.unseen : {};
        set({ review: { requestId, unseen, shownAt: deps.now(), digest }, confirming: null }, undefined, 'review/begin');
      },
      reportUnseen: (requestId, path, what) => {
        const { review, items } = get();
        if (review.requestId !== requestId) {
          const digest = digestOf(items.get(requestId)?.record);
          set({ review: { requestId, unseen: what === null ? {} : { [path]: what }, shownAt: deps.now(), digest }, confirming: null }, undefined, 'review/unseen');
          return;
        }
        if (what === null ? !(path in review.unseen) : review.unseen[path] === what) return;
        const unseen = { ...review.unseen };
        if (what === null) delete unseen[path];
        else unseen[path] = what;
        set({ review: { ...review, unseen } }, undefined, 'review/unseen');
      },
      checkSeen,
      checkDecidable,
      checkApprovable,
      approvalStep: (requestId, action, typedName) => {
        const check = checkApprovable(requestId);
        if (!check.ok) return { kind: 'blocked', reason: check.reason };
        const { confirming } = get();
        const record = check.item.record;
        const armed = confirming?.requestId === requestId && confirming.action === action ? confirming : null;
        switch (confirmationFor(record)) {
          case 'none':
            return { kind: 'send' };
          case 'second-press':
            if (armed) {
              set({ confirming: null }, undefined, 'review/confirmed');
              return { kind: 'send' };
            }
            set({ confirming: { requestId, level: 'high', action } }, undefined, 'review/arm');
            return { kind: 'confirm', level: 'high' };
          case 'type-name':
            if (armed && typedName !== undefined) {
              if (typedName.trim() !== record.toolName) return { kind: 'blocked', reason: `Type the tool name exactly (${record.toolName}) to approve a critical-risk request.` };
              set({ confirming: null }, undefined, 'review/confirmed');
              return { kind: 'send' };
            }
            set({ confirming: { requestId, level: 'critical', action } }, undefined, 'review/arm');
            return { kind: 'confirm', level: 'critical' };
        }
      },
    };
  };
