import { useConsoleStore } from '../../app/ConsoleContext';
import { useKeyboardShortcuts } from '../../app/useKeyboardShortcuts';
import { useTabTitle } from '../../app/useTabTitle';
import { HistoryView } from '../history/HistoryView';
import { QueueView } from '../queue/QueueView';
import { ConsoleHeader } from './ConsoleHeader';
import { NoticeRegion } from './NoticeRegion';
import { ShortcutsDialog } from './ShortcutsDialog';

export function ConsoleShell() {
  const view = useConsoleStore((s) => s.view);
  useTabTitle();
  useKeyboardShortcuts();
  return (
    <div className="app">
      <ConsoleHeader />
      <main className="app-main">{view === 'queue' ? <QueueView /> : <HistoryView />}</main>
      <NoticeRegion />
      <ShortcutsDialog />
    </div>
  );
}
