import { useConsoleStore } from '../../app/ConsoleContext';
import { DetailPane } from '../detail/DetailPane';
import { QueueList } from './QueueList';
import { QueueToolbar } from './QueueToolbar';

export function QueueView() {
  // On a phone the list and the open request take the whole screen in turn (see phone.css).
  const hasSelection = useConsoleStore((s) => s.selectedId !== null);
  return (
    <div className="queue-view" data-has-selection={hasSelection}>
      <section className="queue-column" aria-label="Queue">
        <QueueToolbar />
        <QueueList />
      </section>
      <DetailPane />
    </div>
  );
}
