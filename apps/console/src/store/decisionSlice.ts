import type { Ack, ApprovalRecord, JsonObject } from '@approval-hub/protocol';
import type { QueueItem } from '../domain/queueItem';
import type { ConsoleSlice } from './types';

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

/** `startDecision`, `settleDecision` and `checkActionable` read the queue and the selection: they are in `actions.ts`. */
export interface DecisionSlice {
  /** Per request id: a decision on its way, or the last one that failed and may be retried. */
  readonly decisions: Readonly<Record<string, DecisionState>>;
}

export const createDecisionSlice: ConsoleSlice<DecisionSlice> = () => ({ decisions: {} });
