import { takeTokenFromLocation } from '../session/tokenStorage';
import type { ConsoleStore } from '../store/consoleStore';
import type { ConsoleView } from '../store/uiSlice';

export const VIEW_HASH: Record<ConsoleView, string> = { queue: '#/queue', history: '#/history', grants: '#/grants', deliveries: '#/deliveries' };

export function viewFromHash(hash: string): ConsoleView {
  if (hash.startsWith(VIEW_HASH.grants)) return 'grants';
  if (hash.startsWith(VIEW_HASH.deliveries)) return 'deliveries';
  return hash.startsWith(VIEW_HASH.history) ? 'history' : 'queue';
}

/**
 * Hash routes (`#/queue`, `#/history`). Start only after the page's own `#token=` fragment has been
 * consumed; a sign-in link pasted into this tab later arrives as a hash change and is consumed here.
 */
export function startHashRouting(store: ConsoleStore, onToken: (token: string) => void): () => void {
  const sync = () => {
    const token = takeTokenFromLocation(window.location, window.history);
    if (token) onToken(token);
    store.getState().setView(viewFromHash(window.location.hash));
  };
  sync();
  window.addEventListener('hashchange', sync);
  return () => window.removeEventListener('hashchange', sync);
}
