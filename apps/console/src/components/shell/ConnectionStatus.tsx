import { useConsoleStore } from '../../app/ConsoleContext';
import { type ConnectionStatus as Status, connectionLabel } from '../../store/connectionSlice';

const ICON: Record<Status | 'degraded', string> = { idle: '○', connecting: '◌', connected: '●', reconnecting: '◌', offline: '✕', degraded: '▲' };

/** The one `role="status"` on the page: the connection, in words (the dot's colour only repeats it). */
export function ConnectionStatus() {
  const connection = useConsoleStore((s) => s.connection);
  const health = useConsoleStore((s) => s.health);
  const shown = connection === 'connected' && health.status === 'degraded' ? 'degraded' : connection;
  return (
    <div role="status" className={`connection connection-${shown}`} aria-label="Connection">
      <span className="connection-icon" aria-hidden="true">
        {ICON[shown]}
      </span>
      <span>{connectionLabel(connection, health)}</span>
    </div>
  );
}

/**
 * Under the header while the hub says it is degraded: nothing is locked (the hub answers `internal` to a
 * decision it cannot record), but the reviewer learns why before one fails. The status above announces it.
 */
export function DegradedBanner() {
  const degraded = useConsoleStore((s) => s.connection === 'connected' && s.health.status === 'degraded');
  const reason = useConsoleStore((s) => (s.health.status === 'degraded' ? s.health.reason : null));
  if (!degraded) return null;
  return (
    <div className="degraded-banner">
      <strong>The hub reports a problem{reason ? `: ${reason}` : ''}.</strong> Decisions may fail until it recovers; this console keeps
      checking and clears this message when the hub is healthy again.
    </div>
  );
}
