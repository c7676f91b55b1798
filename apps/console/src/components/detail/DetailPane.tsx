import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import type { QueueItem } from '../../domain/queueItem';
import { JsonTree } from '../json/JsonTree';
import { Countdown } from '../queue/Countdown';
import { ArgsEditor } from './ArgsEditor';
import { DecisionBar } from './DecisionBar';
import { RequestMeta } from './RequestMeta';
import { Icon } from '../Icon';

function DepartedBanner() {
  const { store } = useServices();
  const note = useConsoleStore((s) => s.departedNote);
  if (!note) return null;
  return (
    <div className="departed" aria-live="polite">
      <Icon name="undo" />
      <p>
        <strong>{note.toolName}</strong> left the queue: {note.text}.
      </p>
      <button type="button" className="notice-close" aria-label="Dismiss" onClick={() => store.getState().dismissDepartedNote()}>
        ×
      </button>
    </div>
  );
}

function CopyArgs({ item }: { item: QueueItem }) {
  const { store } = useServices();
  const copy = () => {
    navigator.clipboard
      .writeText(JSON.stringify(item.record.args, null, 2))
      .then(() => store.getState().pushNotice('success', 'Arguments copied as JSON.'))
      .catch(() => store.getState().pushNotice('warning', 'The browser did not allow copying.'));
  };
  return (
    <button type="button" className="btn btn-small btn-ghost" onClick={copy}>
      Copy JSON
    </button>
  );
}

function Review({ item }: { item: QueueItem }) {
  const r = item.record;
  return (
    <>
      <div className="detail-body">
        <RequestMeta item={item} />
        {r.description && (
          <section className="detail-section" aria-label="Description">
            <h3>Description</h3>
            <p className="description">{r.description}</p>
          </section>
        )}
        <section className="detail-section" aria-label="Arguments">
          <div className="section-head">
            <h3>Arguments</h3>
            <CopyArgs item={item} />
          </div>
          <JsonTree value={r.args} />
        </section>
      </div>
      <DecisionBar item={item} />
    </>
  );
}

function RequestDetail({ id }: { id: string }) {
  const item = useConsoleStore((s) => s.items.get(id));
  const editing = useConsoleStore((s) => s.editingId === id);
  if (!item) return null;
  return (
    <>
      <header className="detail-head">
        <div className="detail-title">
          <p className="eyebrow">{editing ? 'Edit & approve' : 'Pending request'}</p>
          <h2 className="detail-tool">{item.record.toolName}</h2>
        </div>
        <Countdown expiresMs={item.expiresMs} large />
      </header>
      {editing ? <ArgsEditor item={item} /> : <Review item={item} />}
    </>
  );
}

export function DetailPane() {
  const selectedId = useConsoleStore((s) => s.selectedId);
  const count = useConsoleStore((s) => s.visibleIds.length);
  return (
    <section role="region" aria-label="Request details" className="detail">
      <DepartedBanner />
      {selectedId ? (
        <RequestDetail key={selectedId} id={selectedId} />
      ) : (
        <div className="detail-empty">
          <p className="empty-title">No request selected</p>
          <p className="muted">
            {count > 0 ? (
              <>
                Pick one from the list, or press <kbd>j</kbd> to start at the top.
              </>
            ) : (
              'Requests appear here as agents ask.'
            )}
          </p>
          <p className="muted small">
            Press <kbd>?</kbd> for all keyboard shortcuts.
          </p>
        </div>
      )}
    </section>
  );
}
