import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import { hasActiveFilters } from '../../domain/queueFilter';
import { QueueRow, ROW_HEIGHT } from './QueueRow';
import { Icon } from '../Icon';

/** The pending requests, virtualised: only the rows in view (plus a few) exist in the DOM. */
export function QueueList() {
  const { store } = useServices();
  const ids = useConsoleStore(useShallow((s) => s.visibleIds));
  const selectedId = useConsoleStore((s) => s.selectedId);
  const filtered = useConsoleStore((s) => hasActiveFilters(s.filters));
  const total = useConsoleStore((s) => s.items.size);
  const synced = useConsoleStore((s) => s.lastSyncedAt !== null);
  const scrollRef = useRef<HTMLDivElement>(null);

  const virtualizer = useVirtualizer({
    count: ids.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (index) => ids[index] ?? index,
    overscan: 6,
  });

  // Follow the selection (j/k), but only when it changes: new rows arriving must not yank the view back.
  useEffect(() => {
    if (selectedId === null) return;
    const index = store.getState().visibleIds.indexOf(selectedId);
    if (index >= 0) virtualizer.scrollToIndex(index, { align: 'auto' });
  }, [selectedId, store, virtualizer]);

  return (
    <div className="queue-scroll" ref={scrollRef}>
      {ids.length === 0 && (
        <div className="empty">
          {!synced ? (
            <p>Waiting for the hub…</p>
          ) : filtered && total > 0 ? (
            <>
              <p>No pending request matches the filters ({total.toLocaleString()} hidden).</p>
              <button type="button" className="btn" onClick={() => store.getState().clearFilters()}>
                Clear filters
              </button>
            </>
          ) : (
            <>
              <p className="empty-title">
                <Icon name="check" /> All clear
              </p>
              <p className="muted">No request is waiting for a decision. New ones appear here the moment an agent asks.</p>
            </>
          )}
        </div>
      )}
      {/* biome-ignore lint/a11y/useSemanticElements: virtualised rows are absolutely positioned boxes; ARIA list roles give them list semantics without <ul>/<li> list styling and markers. */}
      <div role="list" aria-label="Pending requests" className="queue-list" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((row) => {
          const id = ids[row.index];
          return id === undefined ? null : <QueueRow key={id} id={id} index={row.index} total={ids.length} top={row.start} />;
        })}
      </div>
    </div>
  );
}
