import type { StateCreator } from 'zustand';
import type { RecentIds } from '../domain/recentIds';
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

export type ConsoleState = SessionSlice &
  ConnectionSlice &
  QueueSlice &
  SelectionSlice &
  DecisionSlice &
  ReviewSlice &
  HistorySlice &
  GrantsSlice &
  NoticeSlice &
  UiSlice;

/** Every slice sees the whole state (cross-slice reads) and the devtools-aware `set`. */
export type ConsoleSlice<T> = StateCreator<ConsoleState, [['zustand/devtools', never]], [], T>;

/** What the slices share that is not render state. */
export interface SliceDeps {
  /** Local wall clock (tests pass a fake one). */
  readonly now: () => number;
  /** Ids known to be decided: never shown as pending again. */
  readonly ledger: RecentIds;
}
