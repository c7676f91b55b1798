const STORAGE_KEY = 'approval-hub.reviewer-token';

/**
 * Reads `#token=…` from the sign-in link once and removes it from the address bar (and so from
 * history, bookmarks and screen shares). Returns null when the fragment holds no token.
 */
export function takeTokenFromLocation(location: Pick<Location, 'hash' | 'pathname' | 'search'>, history: Pick<History, 'replaceState'>): string | null {
  const fragment = location.hash.startsWith('#') ? location.hash.slice(1) : location.hash;
  if (!fragment.startsWith('token=')) return null;
  const token = new URLSearchParams(fragment).get('token')?.trim() ?? '';
  history.replaceState(null, '', `${location.pathname}${location.search}`);
  return token === '' ? null : token;
}

export function readStoredToken(storage: Storage): string | null {
  try {
    return storage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function writeStoredToken(storage: Storage, token: string | null): void {
  try {
    if (token === null) storage.removeItem(STORAGE_KEY);
    else storage.setItem(STORAGE_KEY, token);
  } catch {
    // Storage may be disabled; the session then lasts as long as the page.
  }
}
