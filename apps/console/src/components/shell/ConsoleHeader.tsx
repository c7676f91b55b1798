import { VIEW_HASH } from '../../app/hashRoute';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import { ConnectionStatus } from './ConnectionStatus';
import { NotifySettings } from './NotifySettings';
import { Icon } from '../Icon';

export function ConsoleHeader() {
  const { session, store } = useServices();
  const view = useConsoleStore((s) => s.view);
  const pendingCount = useConsoleStore((s) => s.items.size);
  const name = useConsoleStore((s) => s.principal?.name ?? null);
  const queues = useConsoleStore((s) => s.principal?.queues ?? null);
  const isAdmin = useConsoleStore((s) => s.principal?.role === 'admin');

  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">✓</span>
        <span>Approval Hub</span>
      </div>
      <nav aria-label="Views" className="views">
        <a href={VIEW_HASH.queue} aria-current={view === 'queue' ? 'page' : undefined} className="view-link">
          Queue <span className="count-pill">{pendingCount.toLocaleString()}</span>
        </a>
        <a href={VIEW_HASH.history} aria-current={view === 'history' ? 'page' : undefined} className="view-link">
          History
        </a>
        <a href={VIEW_HASH.grants} aria-current={view === 'grants' ? 'page' : undefined} className="view-link">
          Grants
        </a>
        {isAdmin && (
          <a href={VIEW_HASH.deliveries} aria-current={view === 'deliveries' ? 'page' : undefined} className="view-link">
            Deliveries
          </a>
        )}
      </nav>
      <div className="topbar-end">
        <ConnectionStatus />
        <NotifySettings />
        <button type="button" className="btn btn-ghost keyboard-hint" onClick={() => store.getState().setShortcutsOpen(true)} aria-keyshortcuts="?">
          Shortcuts <kbd>?</kbd>
        </button>
        {name && (
          <span className="whoami" title={queues ? `Queues: ${queues.join(', ')}` : 'All queues'}>
            <Icon name="user" /> {name}
          </span>
        )}
        <button type="button" className="btn btn-ghost" onClick={() => session.signOut()}>
          Sign out
        </button>
      </div>
    </header>
  );
}
