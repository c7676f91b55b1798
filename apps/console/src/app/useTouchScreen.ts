import { useSyncExternalStore } from 'react';

/** A touch screen without a mouse: keyboard hints mean nothing there. The same query as the phone CSS. */
const TOUCH_QUERY = '(hover: none) and (pointer: coarse)';

function subscribe(onChange: () => void): () => void {
  const query = window.matchMedia(TOUCH_QUERY);
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}

export function useTouchScreen(): boolean {
  return useSyncExternalStore(subscribe, () => window.matchMedia(TOUCH_QUERY).matches, () => false);
}
