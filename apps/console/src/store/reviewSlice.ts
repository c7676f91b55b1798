import { type ApprovalRecord, digestToApprove } from '@approval-hub/protocol';
import { ALREADY_APPROVED_REASON, quorumProgress } from '../domain/quorum';
import { confirmationFor } from '../domain/risk';
import type { Actionability } from './decisionSlice';
import type { ConsoleSlice, SliceDeps } from './types';

/**
 * How long a request's detail must have been on screen (since it rendered, or since what would run last changed)
 * before a decision acts on it. Longer than a double click or a double key press (≈ 150 ms apart), short enough
 * to go unnoticed by a reviewer who reads before deciding. See "Decisions act only on what was seen" in the README.
 */
export const DECISION_DWELL_MS = 500;

/** The three ways to approve; a risk confirmation belongs to the one that was pressed. */
export type ApproveAction = 'approve' | 'edit' | 'grant';

/** What approving the request needs next: send it, a confirmation first, or nothing yet (with the reason). */
export type ApprovalStep = { readonly kind: 'send' } | { readonly kind: 'confirm'; readonly level: 'high' | 'critical' } | { readonly kind: 'blocked'; readonly reason: string };

export interface Review {
  readonly requestId: string | null;
  /** Each part of the shown request that is not on screen yet (path → what to do). */
  readonly unseen: Readonly<Record<string, string>>;
  /** Local time the detail started showing this request as it is now (what would run included). */
  readonly shownAt: number;
  /** `digestToApprove` of the record when it was shown: a change (a new proposal) starts the dwell again. */
  readonly digest: string | null;
}

export interface ReviewSlice {
  /** The request the detail pane shows, since when, and each part of it that is not on screen yet. */
  readonly review: Review;
  /** A high- or critical-risk approval waiting for its confirmation, on the action that was pressed. */
  readonly confirming: { readonly requestId: string; readonly level: 'high' | 'critical'; readonly action: ApproveAction } | null;
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
  cancelConfirmation(): void;
}

/** How many hidden parts Approve names when it is disabled. */
const NAMED = 2;

export const JUST_SHOWN_REASON = 'Just opened: take a moment to look at this request before deciding.';

export function unseenReason(unseen: Readonly<Record<string, string>>): string | null {
  const parts = Object.values(unseen);
  if (parts.length === 0) return null;
  const named = parts.slice(0, NAMED).join('; ');
  const more = parts.length > NAMED ? ` (and ${parts.length - NAMED} more)` : '';
  return `Not everything is on screen yet — ${named}${more}. Approve is enabled once you have seen it all.`;
}

/** `digestToApprove` of a record, null when there is none (no record, or a hub that sends no digests). */
export function digestOf(record: ApprovalRecord | undefined): string | null {
  return record ? (digestToApprove(record) ?? null) : null;
}

export const createReviewSlice =
  (deps: SliceDeps): ConsoleSlice<ReviewSlice> =>
  (set, get) => ({
    review: { requestId: null, unseen: {}, shownAt: 0, digest: null },
    confirming: null,

    // React runs a child's effects before its parent's: the tree may already have reported for this request.
    beginReview: (requestId) => {
      const { review, items } = get();
      const digest = digestOf(items.get(requestId)?.record);
      if (review.requestId === requestId && review.digest === digest) return;
      const unseen = review.requestId === requestId ? review.unseen : {};
      set({ review: { requestId, unseen, shownAt: deps.now(), digest }, confirming: null }, undefined, 'review/begin');
    },

    reportUnseen: (requestId, path, what) => {
      const { review } = get();
      if (review.requestId !== requestId) {
        const digest = digestOf(get().items.get(requestId)?.record);
        set({ review: { requestId, unseen: what === null ? {} : { [path]: what }, shownAt: deps.now(), digest }, confirming: null }, undefined, 'review/unseen');
        return;
      }
      if (what === null ? !(path in review.unseen) : review.unseen[path] === what) return;
      const unseen = { ...review.unseen };
      if (what === null) delete unseen[path];
      else unseen[path] = what;
      set({ review: { ...review, unseen } }, undefined, 'review/unseen');
    },

    checkSeen: (requestId) => {
      const state = get();
      const item = state.items.get(requestId);
      if (!item || state.review.requestId !== requestId) return { ok: false, reason: 'Open the request to review it before deciding.' };
      // What would run changed since the detail was shown, and it has not rendered the change yet.
      if (digestOf(item.record) !== state.review.digest) return { ok: false, reason: 'The request just changed: look at it again before deciding.' };
      if (deps.now() - state.review.shownAt < DECISION_DWELL_MS) return { ok: false, reason: JUST_SHOWN_REASON };
      return { ok: true, item };
    },

    checkDecidable: (requestId) => {
      const check = get().checkActionable(requestId);
      return check.ok ? get().checkSeen(requestId) : check;
    },

    checkApprovable: (requestId) => {
      const state = get();
      const check = state.checkDecidable(requestId);
      if (!check.ok) return check;
      if (quorumProgress(check.item.record, state.principal?.id ?? null)?.approvedByMe) return { ok: false, reason: ALREADY_APPROVED_REASON };
      const hidden = unseenReason(state.review.unseen);
      return hidden ? { ok: false, reason: hidden } : check;
    },

    approvalStep: (requestId, action, typedName) => {
      const state = get();
      const check = state.checkApprovable(requestId);
      if (!check.ok) return { kind: 'blocked', reason: check.reason };
      const record = check.item.record;
      const armed = state.confirming?.requestId === requestId && state.confirming.action === action ? state.confirming : null;
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

    cancelConfirmation: () => set({ confirming: null }, undefined, 'review/cancel'),
  });
