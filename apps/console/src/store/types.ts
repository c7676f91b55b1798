import type { StateCreator } from 'zustand';
import type { CrossSliceActions } from './actions';
import type { ConnectionSlice } from './connectionSlice';
import type { DecisionSlice } from './decisionSlice';
import type { GrantsSlice } from './grantsSlice';
import type { HistorySlice } from './historySlice';
import type { NoticeSlice } from './noticeSlice';
import type { QueueSlice } from './queueSlice';
import type { ReviewSlice } from './reviewSlice';
import type { SelectionSlice } from './selectionSlice';
import type { SessionSlice } from './sessionSlice';
import type { UiSlice } from './uiSlice';

/**
 * The slices each own their fields and the actions that touch only those; every action that reads or writes more
 * than one slice is in `actions.ts`. Slices never import each other at run time (test/store-boundaries.test.ts).
 */
export type ConsoleState = SessionSlice &
  ConnectionSlice &
  QueueSlice &
  SelectionSlice &
  DecisionSlice &
  ReviewSlice &
  HistorySlice &
  GrantsSlice &
  NoticeSlice &
  UiSlice &
  CrossSliceActions;

/** Every slice sees the whole state type and the devtools-aware `set`. */
export type ConsoleSlice<T> = StateCreator<ConsoleState, [['zustand/devtools', never]], [], T>;

/** What the slices share that is not render state. */
export interface SliceDeps {
  /** Local wall clock (tests pass a fake one). */
  readonly now: () => number;
  /** How many decided ids the ledger remembers. */
  readonly ledgerCapacity: number;
  /** Notice ids: unique for the life of the page (a notice's timer dismisses it by id, across sign-outs). */
  readonly nextNoticeId: () => number;
}
