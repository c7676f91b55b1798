import type { ConsoleSlice, SliceDeps } from './types';

/**
 * After the selection moves by itself (its request left the queue), decisions on the newly selected
 * request wait this long, so a key press or click meant for the old one cannot land on the new one.
 */
export const AUTO_MOVE_GUARD_MS = 1000;

/** Shown in the detail pane when the request the reviewer was looking at left the queue. */
export interface DepartedNote {
  readonly requestId: string;
  readonly toolName: string;
  readonly text: string;
}

export interface SelectionSlice {
  readonly selectedId: string | null;
  readonly departedNote: DepartedNote | null;
  /** Local time the selection last moved by itself because someone else decided; null after the reviewer chose. */
  readonly autoMovedAt: number | null;
  /** Who chose the selected request: the reviewer (a click, `j`/`k`) or the console (the next one after a decision). */
  readonly selectedBy: 'reviewer' | 'console';
  /** Local time the selection last changed, by either. */
  readonly selectedAt: number;
  dismissDepartedNote(): void;
}

export const createSelectionSlice = (deps: SliceDeps): ConsoleSlice<SelectionSlice> => (set) => ({
  selectedId: null,
  departedNote: null,
  autoMovedAt: null,
  selectedBy: 'reviewer',
  selectedAt: deps.now(),
  dismissDepartedNote: () => set({ departedNote: null }, undefined, 'selection/dismissDepartedNote'),
});
