import { useConsoleStore } from '../../app/ConsoleContext';
import { useExpired } from '../../clock/useServerClock';
import type { QueueItem } from '../../domain/queueItem';
import { DECISION_DWELL_MS, digestOf } from '../../store/reviewSlice';
import { AUTO_MOVE_GUARD_MS } from '../../store/selectionSlice';
import { useWithinMoment } from './useWithinMoment';

/**
 * Why the decision buttons are disabled right now, or null. The store checks the same things again
 * when a decision starts (`checkActionable`): the buttons are a view of it, not the guard itself.
 */
export function useDecisionBlocker(item: QueueItem): string | null {
  const connected = useConsoleStore((s) => s.connection === 'connected');
  const sending = useConsoleStore((s) => s.decisions[item.id]?.phase === 'sending');
  const autoMovedAt = useConsoleStore((s) => (s.selectedId === item.id ? s.autoMovedAt : null));
  const expired = useExpired(item.expiresMs);
  const guarded = useWithinMoment(autoMovedAt, AUTO_MOVE_GUARD_MS);
  if (expired) return 'Expired: this request can no longer be decided.';
  if (!connected) return 'Not connected to the hub: decisions are paused until the connection is back.';
  if (sending) return 'Sending your decision… waiting for the hub to confirm.';
  if (guarded) return 'The request you were looking at just left; this is the next one.';
  return null;
}

/**
 * True while the request's detail has been on screen (as it is now) for less than DECISION_DWELL_MS: the buttons
 * say they are not ready yet (`aria-disabled`) without flickering, and `checkSeen` refuses a decision meanwhile.
 */
export function useSettling(item: QueueItem): boolean {
  const shownAt = useConsoleStore((s) => (s.review.requestId === item.id && s.review.digest === digestOf(item.record) ? s.review.shownAt : null));
  const settling = useWithinMoment(shownAt, DECISION_DWELL_MS);
  return shownAt === null || settling;
}
