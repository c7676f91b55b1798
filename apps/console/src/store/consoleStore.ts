import { devtools } from 'zustand/middleware';
import { createStore } from 'zustand/vanilla';
import { createCrossSliceActions } from './actions';
import { createConnectionSlice } from './connectionSlice';
import { createDecisionSlice } from './decisionSlice';
import { createGrantsSlice } from './grantsSlice';
import { createHistorySlice } from './historySlice';
import { createNoticeSlice } from './noticeSlice';
import { createQueueSlice } from './queueSlice';
import { createReviewSlice } from './reviewSlice';
import { createSelectionSlice } from './selectionSlice';
import { createSessionSlice } from './sessionSlice';
import type { ConsoleState, SliceDeps } from './types';
import { createUiSlice } from './uiSlice';

export interface ConsoleStoreOptions {
  /** Local wall clock; tests pass a fake. */
  readonly now?: () => number;
  /** Redux DevTools; off in tests. */
  readonly devtools?: boolean;
  /** How many decided ids to remember so they never come back as pending. */
  readonly ledgerCapacity?: number;
}

/** One store per console (and per test): a vanilla zustand store that React binds with `useStore`. */
export function createConsoleStore(options: ConsoleStoreOptions = {}) {
  let noticeId = 0;
  const deps: SliceDeps = { now: options.now ?? Date.now, ledgerCapacity: options.ledgerCapacity ?? 100_000, nextNoticeId: () => ++noticeId };
  return createStore<ConsoleState>()(
    devtools(
      (...a) => ({
        ...createSessionSlice(...a),
        ...createConnectionSlice(...a),
        ...createQueueSlice(deps)(...a),
        ...createSelectionSlice(deps)(...a),
        ...createDecisionSlice(...a),
        ...createReviewSlice(...a),
        ...createHistorySlice(...a),
        ...createGrantsSlice(...a),
        ...createNoticeSlice(deps)(...a),
        ...createUiSlice(...a),
        ...createCrossSliceActions(deps)(...a),
      }),
      { name: 'approval-hub-console', enabled: options.devtools ?? false },
    ),
  );
}

export type ConsoleStore = ReturnType<typeof createConsoleStore>;
