import { useEffect } from 'react';
import { keyDecisionBlocked, shortcutFor } from '../keyboard/shortcuts';
import { useServices } from './ConsoleContext';

export const SEARCH_INPUT_ID = 'queue-search';

/**
 * One keydown listener for the page; decisions go through the same commands as the buttons (so the dwell holds for
 * keys too), and a decision key never acts on a request the console moved to by itself while that key was down.
 */
export function useKeyboardShortcuts(): void {
  const { store, decisions } = useServices();
  useEffect(() => {
    // When the key press now down began: a keydown counts as a new press only after a keyup, so a key held across
    // an automatic move of the selection keeps its old start, however its repeats are flagged.
    let pressStartedAt = Number.NEGATIVE_INFINITY;
    let lastKeyUpAt = Number.NEGATIVE_INFINITY;
    const onKeyUp = () => {
      lastKeyUpAt = Date.now();
    };
    const guarded = (decide: () => void) => {
      const held = keyDecisionBlocked(store.getState(), pressStartedAt);
      if (held) store.getState().pushNotice('warning', held);
      else decide();
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (!event.repeat && lastKeyUpAt >= pressStartedAt) pressStartedAt = Date.now();
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
          if (id && state.editingId !== id) guarded(() => decisions.approve(id));
          return;
        case 'deny':
          if (id) guarded(() => decisions.deny(id));
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
    // Capture: a keyup that a field or dialog stops from bubbling still counts as the key released.
    window.addEventListener('keyup', onKeyUp, true);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener('keyup', onKeyUp, true);
    };
  }, [store, decisions]);
}
