import { useEffect, useReducer } from 'react';

/** True for `ms` after `since` (local time; null: never); re-renders once when that moment ends. */
export function useWithinMoment(since: number | null, ms: number): boolean {
  const [, wake] = useReducer((n: number) => n + 1, 0);
  const left = since === null ? 0 : ms - (Date.now() - since);
  useEffect(() => {
    if (left <= 0) return;
    const timer = setTimeout(wake, left + 10);
    return () => clearTimeout(timer);
  }, [left]);
  return left > 0;
}
