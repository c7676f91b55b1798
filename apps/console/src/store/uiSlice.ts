import type { ConsoleSlice } from './types';

export type ConsoleView = 'queue' | 'history' | 'grants' | 'deliveries';

export interface UiSlice {
  readonly view: ConsoleView;
  readonly shortcutsOpen: boolean;
  /** The request whose arguments are open in the JSON editor. */
  readonly editingId: string | null;
  /** The reason typed for the selected request (sent with Deny, and with Approve if given). */
  readonly reasonDraft: string;
  readonly desktopNotify: boolean;
  readonly soundNotify: boolean;
  setView(view: ConsoleView): void;
  setShortcutsOpen(open: boolean): void;
  startEditing(requestId: string): void;
  stopEditing(): void;
  setReasonDraft(text: string): void;
  setDesktopNotify(on: boolean): void;
  setSoundNotify(on: boolean): void;
}

export const createUiSlice: ConsoleSlice<UiSlice> = (set) => ({
  view: 'queue',
  shortcutsOpen: false,
  editingId: null,
  reasonDraft: '',
  desktopNotify: false,
  soundNotify: false,
  setView: (view) => set({ view }, undefined, 'ui/setView'),
  setShortcutsOpen: (shortcutsOpen) => set({ shortcutsOpen }, undefined, 'ui/setShortcutsOpen'),
  startEditing: (editingId) => set({ editingId }, undefined, 'ui/startEditing'),
  stopEditing: () => set({ editingId: null }, undefined, 'ui/stopEditing'),
  setReasonDraft: (reasonDraft) => set({ reasonDraft }, undefined, 'ui/setReasonDraft'),
  setDesktopNotify: (desktopNotify) => set({ desktopNotify }, undefined, 'ui/setDesktopNotify'),
  setSoundNotify: (soundNotify) => set({ soundNotify }, undefined, 'ui/setSoundNotify'),
});
