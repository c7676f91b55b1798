import { type ApprovalRecord, digestToApprove } from '@approval-hub/protocol';
import type { ConsoleSlice } from './types';

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

/** Beginning a review, the checks and the approval steps read the queue: they are in `actions.ts`. */
export interface ReviewSlice {
  /** The request the detail pane shows, since when, and each part of it that is not on screen yet. */
  readonly review: Review;
  /** A high- or critical-risk approval waiting for its confirmation, on the action that was pressed. */
  readonly confirming: { readonly requestId: string; readonly level: 'high' | 'critical'; readonly action: ApproveAction } | null;
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

export const createReviewSlice: ConsoleSlice<ReviewSlice> = (set) => ({
  review: { requestId: null, unseen: {}, shownAt: 0, digest: null },
  confirming: null,
  cancelConfirmation: () => set({ confirming: null }, undefined, 'review/cancel'),
});
