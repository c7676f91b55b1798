import { useConsoleStore } from '../../app/ConsoleContext';
import { useKeyboardShortcuts } from '../../app/useKeyboardShortcuts';
import { useTabTitle } from '../../app/useTabTitle';
import { GrantsView } from '../grants/GrantsView';
import { DeliveryLogView } from '../deliveries/DeliveryLogView';
import { HistoryView } from '../history/HistoryView';
import { QueueView } from '../queue/QueueView';
import { DegradedBanner } from './ConnectionStatus';
import { ConsoleHeader } from './ConsoleHeader';
import { NoticeRegion } from './NoticeRegion';
import { ShortcutsDialog } from './ShortcutsDialog';

export function ConsoleShell() {
  const view = useConsoleStore((s) => s.view);
  useTabTitle();
  useKeyboardShortcuts();
  return (
    <div className="app">
      {/* One grid row for the header and the banner below it, so the main area keeps its own. */}
      <div>
        <ConsoleHeader />
        <DegradedBanner />
      </div>
      <main className="app-main">
        {view === 'queue' ? <QueueView /> : view === 'grants' ? <GrantsView /> : view === 'deliveries' ? <DeliveryLogView /> : <HistoryView />}
      </main>
      <NoticeRegion />
      <ShortcutsDialog />
    </div>
  );
}
