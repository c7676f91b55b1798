import { DetailPane } from '../detail/DetailPane';
import { QueueList } from './QueueList';
import { QueueToolbar } from './QueueToolbar';

export function QueueView() {
  return (
    <div className="queue-view">
      <section className="queue-column" aria-label="Queue">
        <QueueToolbar />
        <QueueList />
      </section>
      <DetailPane />
    </div>
  );
}
