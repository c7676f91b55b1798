import type { JsonObject, QueueSnapshot } from '@approval-hub/protocol';
import { serverNow, serverOffsetFrom } from '../domain/expiry';
import { type QueueEvent, applyQueueEvents, replaceWithSnapshot } from '../domain/queueState';
import { ALREADY_APPROVED_REASON, quorumProgress } from '../domain/quorum';
import { RecentIds } from '../domain/recentIds';
import { confirmationFor } from '../domain/risk';
import { settlement } from './decisionSettlement';
import type { Actionability, DecisionKind, DecisionOutcome, DecisionState } from './decisionSlice';
import { type NoticeDraft, appendNotices } from './noticeSlice';
import { type SnapshotTiming, queueDataOf } from './queueSlice';
import { type ApprovalStep, type ApproveAction, DECISION_DWELL_MS, JUST_SHOWN_REASON, digestOf, unseenReason } from './reviewSlice';
import { AUTO_MOVE_GUARD_MS } from './selectionSlice';
import type { SignInProblem } from './sessionSlice';
import { type Change, arrivalsAfter, departureNotices, eventsChange, selectionPatch } from './transitions';
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
