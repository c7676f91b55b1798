import { useEffect } from 'react';
import { shortcutFor } from '../keyboard/shortcuts';
import { useServices } from './ConsoleContext';

export const SEARCH_INPUT_ID = 'queue-search';

/** One keydown listener for the page; decisions go through the same commands as the buttons. */
export function useKeyboardShortcuts(): void {
  const { store, decisions } = useServices();
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const action = shortcutFor(event);
      if (!action) return;
      const state = store.getState();
      if (state.shortcutsOpen) return; // the dialog is modal
      if (action === 'help') {
        event.preventDefault();
        state.setShortcutsOpen(true);
        return;
      }
      if (state.view !== 'queue') return;
      event.preventDefault();
      const id = state.selectedId;
      switch (action) {
        case 'next':
          state.moveSelection(1);
          return;
        case 'previous':
          state.moveSelection(-1);
          return;
        case 'search':
          document.getElementById(SEARCH_INPUT_ID)?.focus();
          return;
        case 'approve':
          if (id && state.editingId !== id) decisions.approve(id);
          return;
        case 'deny':
          if (id) decisions.deny(id);
          return;
        case 'edit': {
          if (!id) return;
          const check = state.checkActionable(id);
          if (check.ok) state.startEditing(id);
          else state.pushNotice('warning', check.reason);
          return;
        }
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [store, decisions]);
}
