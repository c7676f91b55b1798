import { useConsoleStore } from '../../app/ConsoleContext';
import { useExpired } from '../../clock/useServerClock';
import type { QueueItem } from '../../domain/queueItem';
import { useSelectionGuard } from './useSelectionGuard';

/**
 * Why the decision buttons are disabled right now, or null. The store checks the same things again
 * when a decision starts (`checkActionable`): the buttons are a view of it, not the guard itself.
 */
export function useDecisionBlocker(item: QueueItem): string | null {
  const connected = useConsoleStore((s) => s.connection === 'connected');
  const sending = useConsoleStore((s) => s.decisions[item.id]?.phase === 'sending');
  const autoMovedAt = useConsoleStore((s) => (s.selectedId === item.id ? s.autoMovedAt : null));
  const expired = useExpired(item.expiresMs);
  const guarded = useSelectionGuard(autoMovedAt);
  if (expired) return 'Expired: this request can no longer be decided.';
  if (!connected) return 'Not connected to the hub: decisions are paused until the connection is back.';
  if (sending) return 'Sending your decision… waiting for the hub to confirm.';
  if (guarded) return 'The request you were looking at just left; this is the next one.';
  return null;
}
