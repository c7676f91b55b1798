import { useConsoleStore } from '../../app/ConsoleContext';
import { CONNECTION_LABELS, type ConnectionStatus as Status } from '../../store/connectionSlice';

const ICON: Record<Status, string> = { idle: '○', connecting: '◌', connected: '●', reconnecting: '◌', offline: '✕' };

/** The one `role="status"` on the page: the connection, in words (the dot's colour only repeats it). */
export function ConnectionStatus() {
  const connection = useConsoleStore((s) => s.connection);
  return (
    <div role="status" className={`connection connection-${connection}`} aria-label="Connection">
      <span className="connection-icon" aria-hidden="true">
        {ICON[connection]}
      </span>
      <span>{CONNECTION_LABELS[connection]}</span>
    </div>
  );
}
