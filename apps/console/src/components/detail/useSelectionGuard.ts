import { useEffect, useReducer } from 'react';
import { AUTO_MOVE_GUARD_MS } from '../../store/selectionSlice';

/** True for a moment after the selection moved by itself; re-renders once when that moment ends. */
export function useSelectionGuard(autoMovedAt: number | null): boolean {
  const [, wake] = useReducer((n: number) => n + 1, 0);
  const left = autoMovedAt === null ? 0 : AUTO_MOVE_GUARD_MS - (Date.now() - autoMovedAt);
  useEffect(() => {
    if (left <= 0) return;
    const timer = setTimeout(wake, left + 10);
    return () => clearTimeout(timer);
  }, [left]);
  return left > 0;
}
