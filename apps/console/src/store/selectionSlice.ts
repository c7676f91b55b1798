import { describeOutcome, isDecidedBy } from '../domain/decidedBy';
import { type Departure, type QueueData, selectionAfter } from '../domain/queueState';
import type { ConsoleSlice, ConsoleState, SliceDeps } from './types';

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
  select(requestId: string | null): void;
  /** `j` / `k`: the next or previous visible request. */
  moveSelection(delta: 1 | -1): void;
  dismissDepartedNote(): void;
}

/**
 * The part of a state change that moves the selection when the selected request left the queue.
 * When it left because of this reviewer's own decision the move is quiet (that is the flow:
 * decide, next); otherwise the pane says what happened and decisions wait a moment.
 */
export function selectionPatch(
  state: ConsoleState,
  next: QueueData,
  departed: readonly Departure[],
  now: number,
  noteText?: string,
): Partial<ConsoleState> {
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

export const createSelectionSlice = (deps: SliceDeps): ConsoleSlice<SelectionSlice> => (set, get) => ({
  selectedId: null,
  departedNote: null,
  autoMovedAt: null,
  selectedBy: 'reviewer',
  selectedAt: deps.now(),
  select: (requestId) => {
    const state = get();
    if (requestId === state.selectedId) return;
    set(
      { selectedId: requestId, departedNote: null, autoMovedAt: null, selectedBy: 'reviewer', selectedAt: deps.now(), editingId: null, reasonDraft: '' },
      undefined,
      'selection/select',
    );
  },
  moveSelection: (delta) => {
    const { visibleIds, selectedId, select } = get();
    if (visibleIds.length === 0) return;
    const index = selectedId === null ? -1 : visibleIds.indexOf(selectedId);
    const nextIndex = index < 0 ? (delta > 0 ? 0 : visibleIds.length - 1) : Math.min(visibleIds.length - 1, Math.max(0, index + delta));
    select(visibleIds[nextIndex] ?? null);
  },
  dismissDepartedNote: () => set({ departedNote: null }, undefined, 'selection/dismissDepartedNote'),
});
