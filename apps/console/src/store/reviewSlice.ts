import { ALREADY_APPROVED_REASON, quorumProgress } from '../domain/quorum';
import { confirmationFor } from '../domain/risk';
import type { Actionability } from './decisionSlice';
import type { ConsoleSlice } from './types';

/** What approving the request needs next: send it, a confirmation first, or nothing yet (with the reason). */
export type ApprovalStep = { readonly kind: 'send' } | { readonly kind: 'confirm'; readonly level: 'high' | 'critical' } | { readonly kind: 'blocked'; readonly reason: string };

export interface ReviewSlice {
  /** The request the detail pane shows, and each part of it that is not on screen yet (path → what to do). */
  readonly review: { readonly requestId: string | null; readonly unseen: Readonly<Record<string, string>> };
  /** A high- or critical-risk approval waiting for its confirmation. */
  readonly confirming: { readonly requestId: string; readonly level: 'high' | 'critical' } | null;
  /** The detail pane now shows this request: nothing of it is known to be seen yet, no confirmation is armed. */
  beginReview(requestId: string): void;
  /** A part of the shown request is hidden (`what` says how to reveal it) or, with null, fully on screen. */
  reportUnseen(requestId: string, path: string, what: string | null): void;
  /** Whether the request may be approved now: decidable, shown in the detail pane, and nothing of it hidden. */
  checkApprovable(requestId: string): Actionability;
  /**
   * One press of Approve (button or `a`): low and medium risk send at once; high risk arms on the first press and
   * sends on the second; critical risk asks for the tool name and sends only with it typed exactly.
   */
  approvalStep(requestId: string, typedName?: string): ApprovalStep;
  cancelConfirmation(): void;
}

/** How many hidden parts Approve names when it is disabled. */
const NAMED = 2;

export function unseenReason(unseen: Readonly<Record<string, string>>): string | null {
  const parts = Object.values(unseen);
  if (parts.length === 0) return null;
  const named = parts.slice(0, NAMED).join('; ');
  const more = parts.length > NAMED ? ` (and ${parts.length - NAMED} more)` : '';
  return `Not everything is on screen yet — ${named}${more}. Approve is enabled once you have seen it all.`;
}

export const createReviewSlice: ConsoleSlice<ReviewSlice> = (set, get) => ({
  review: { requestId: null, unseen: {} },
  confirming: null,

  // React runs a child's effects before its parent's: the tree may already have reported for this request.
  beginReview: (requestId) => {
    const { review } = get();
    set({ review: review.requestId === requestId ? review : { requestId, unseen: {} }, confirming: null }, undefined, 'review/begin');
  },

  reportUnseen: (requestId, path, what) => {
    const { review } = get();
    if (review.requestId !== requestId) {
      set({ review: { requestId, unseen: what === null ? {} : { [path]: what } }, confirming: null }, undefined, 'review/unseen');
      return;
    }
    if (what === null ? !(path in review.unseen) : review.unseen[path] === what) return;
    const unseen = { ...review.unseen };
    if (what === null) delete unseen[path];
    else unseen[path] = what;
    set({ review: { requestId, unseen } }, undefined, 'review/unseen');
  },

  checkApprovable: (requestId) => {
    const state = get();
    const check = state.checkActionable(requestId);
    if (!check.ok) return check;
    if (state.review.requestId !== requestId) return { ok: false, reason: 'Open the request to review it before approving.' };
    if (quorumProgress(check.item.record, state.principal?.id ?? null)?.approvedByMe) return { ok: false, reason: ALREADY_APPROVED_REASON };
    const hidden = unseenReason(state.review.unseen);
    return hidden ? { ok: false, reason: hidden } : check;
  },

  approvalStep: (requestId, typedName) => {
    const state = get();
    const check = state.checkApprovable(requestId);
    if (!check.ok) return { kind: 'blocked', reason: check.reason };
    const record = check.item.record;
    const armed = state.confirming?.requestId === requestId ? state.confirming : null;
    switch (confirmationFor(record)) {
      case 'none':
        return { kind: 'send' };
      case 'second-press':
        if (armed) {
          set({ confirming: null }, undefined, 'review/confirmed');
          return { kind: 'send' };
        }
        set({ confirming: { requestId, level: 'high' } }, undefined, 'review/arm');
        return { kind: 'confirm', level: 'high' };
      case 'type-name':
        if (armed && typedName !== undefined) {
          if (typedName.trim() !== record.toolName) return { kind: 'blocked', reason: `Type the tool name exactly (${record.toolName}) to approve a critical-risk request.` };
          set({ confirming: null }, undefined, 'review/confirmed');
          return { kind: 'send' };
        }
        set({ confirming: { requestId, level: 'critical' } }, undefined, 'review/arm');
        return { kind: 'confirm', level: 'critical' };
    }
  },

  cancelConfirmation: () => set({ confirming: null }, undefined, 'review/cancel'),
});
