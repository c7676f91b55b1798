import type { ConsoleStore } from '../store/consoleStore';

const KEY = 'approval-hub.notify';

/** The opt-in for sound and desktop notifications survives reloads (it is not a secret, unlike the token). */
export function persistPreferences(store: ConsoleStore, storage: Storage): () => void {
  try {
    const saved = JSON.parse(storage.getItem(KEY) ?? '{}') as { desktop?: unknown; sound?: unknown };
    if (saved.sound === true) store.getState().setSoundNotify(true);
    if (saved.desktop === true && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      store.getState().setDesktopNotify(true);
    }
  } catch {
    // Unreadable preferences: start with both off.
  }
  return store.subscribe((state, previous) => {
    if (state.soundNotify === previous.soundNotify && state.desktopNotify === previous.desktopNotify) return;
    try {
      storage.setItem(KEY, JSON.stringify({ desktop: state.desktopNotify, sound: state.soundNotify }));
    } catch {
      // Storage disabled: the choice lasts for this page.
    }
  });
}
