import { useCallback, useSyncExternalStore } from 'react';
import { useConsoleStore } from '../app/ConsoleContext';
import { formatAge, secondsLeft, serverNow } from '../domain/expiry';
import { sharedTicker } from './ticker';

/**
 * Whole seconds left by the hub's clock. The component re-renders only when the number changes,
 * and only while it is mounted (visible rows, the detail pane).
 */
export function useSecondsLeft(expiresMs: number): number {
  const offset = useConsoleStore((s) => s.serverOffsetMs);
  const read = useCallback(() => secondsLeft(expiresMs, serverNow(offset, sharedTicker.now())), [expiresMs, offset]);
  return useSyncExternalStore(sharedTicker.subscribe, read);
}

/** True from the moment the deadline passes (within one tick, 100 ms). */
export function useExpired(expiresMs: number): boolean {
  return useSecondsLeft(expiresMs) === 0;
}

export function useAge(createdMs: number): string {
  const offset = useConsoleStore((s) => s.serverOffsetMs);
  const read = useCallback(() => formatAge(serverNow(offset, sharedTicker.now()) - createdMs), [createdMs, offset]);
  return useSyncExternalStore(sharedTicker.subscribe, read);
}
