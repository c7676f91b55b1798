import { MAX_SEARCH_LENGTH } from '@approval-hub/protocol';
import { type FormEvent, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import { STATUS_LABELS } from '../../domain/decidedBy';
import { ALL_DECIDED, DECIDED_STATUSES, type DecidedStatus, type HistorySort } from '../../store/historySlice';

/** Status checkboxes apply at once; the text fields (exact names, as the API matches them) on "Apply". */
export function HistoryFilters() {
  const { store } = useServices();
  const statuses = useConsoleStore(useShallow((s) => s.historyFilter.statuses));
  const applied = useConsoleStore(useShallow((s) => [s.historyFilter.queue, s.historyFilter.agentName, s.historyFilter.toolName, s.historyFilter.search] as const));
  const sort = useConsoleStore((s) => s.historyFilter.sort);
  const [queue, setQueue] = useState(applied[0]);
  const [agentName, setAgent] = useState(applied[1]);
  const [toolName, setTool] = useState(applied[2]);
  const [search, setSearch] = useState(applied[3]);

  const toggle = (status: DecidedStatus, on: boolean) => {
    const next = on ? [...statuses, status] : statuses.filter((s) => s !== status);
    // None checked means all decided statuses, never "pending".
    store.getState().setHistoryFilter({ statuses: next.length > 0 ? DECIDED_STATUSES.filter((s) => next.includes(s)) : DECIDED_STATUSES });
  };
  const apply = (event: FormEvent) => {
    event.preventDefault();
    store.getState().setHistoryFilter({ queue, agentName, toolName, search });
  };
  const reset = () => {
    setQueue('');
    setAgent('');
    setTool('');
    setSearch('');
    store.getState().setHistoryFilter(ALL_DECIDED);
  };

  return (
    <form className="history-filters" onSubmit={apply} aria-label="Filter history">
      <fieldset className="status-filter">
        <legend>Status</legend>
        {DECIDED_STATUSES.map((status) => (
          <label key={status} className="check">
            <input type="checkbox" checked={statuses.includes(status)} onChange={(e) => toggle(status, e.target.checked)} />
            {STATUS_LABELS[status]}
          </label>
        ))}
      </fieldset>
      <div className="field field-search">
        <label htmlFor="history-search">Search</label>
        <input
          id="history-search"
          type="search"
          maxLength={MAX_SEARCH_LENGTH}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="Request, run or conversation id, tool, arguments…"
        />
      </div>
      <div className="field">
        <label htmlFor="history-sort">Sort by</label>
        <select id="history-sort" value={sort} onChange={(e) => store.getState().setHistoryFilter({ sort: e.target.value as HistorySort })}>
          <option value="decided">Decision time (latest first)</option>
          <option value="created">Request time (latest first)</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="history-queue">Queue</label>
        <input id="history-queue" value={queue} onChange={(e) => setQueue(e.target.value)} placeholder="any" />
      </div>
      <div className="field">
        <label htmlFor="history-agent">Agent</label>
        <input id="history-agent" value={agentName} onChange={(e) => setAgent(e.target.value)} placeholder="any" />
      </div>
      <div className="field">
        <label htmlFor="history-tool">Tool</label>
        <input id="history-tool" value={toolName} onChange={(e) => setTool(e.target.value)} placeholder="any" />
      </div>
      <div className="filter-buttons">
        <button type="submit" className="btn btn-primary">
          Apply
        </button>
        <button type="button" className="btn btn-ghost" onClick={reset}>
          Reset
        </button>
      </div>
    </form>
  );
}
