import { type FormEvent, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import { STATUS_LABELS } from '../../domain/decidedBy';
import { ALL_DECIDED, DECIDED_STATUSES, type DecidedStatus } from '../../store/historySlice';

/** Status checkboxes apply at once; the text fields (exact names, as the API matches them) on "Apply". */
export function HistoryFilters() {
  const { store } = useServices();
  const statuses = useConsoleStore(useShallow((s) => s.historyFilter.statuses));
  const applied = useConsoleStore(useShallow((s) => [s.historyFilter.queue, s.historyFilter.agentName, s.historyFilter.toolName] as const));
  const [queue, setQueue] = useState(applied[0]);
  const [agentName, setAgent] = useState(applied[1]);
  const [toolName, setTool] = useState(applied[2]);

  const toggle = (status: DecidedStatus, on: boolean) => {
    const next = on ? [...statuses, status] : statuses.filter((s) => s !== status);
    // None checked means all decided statuses, never "pending".
    store.getState().setHistoryFilter({ statuses: next.length > 0 ? DECIDED_STATUSES.filter((s) => next.includes(s)) : DECIDED_STATUSES });
  };
  const apply = (event: FormEvent) => {
    event.preventDefault();
    store.getState().setHistoryFilter({ queue, agentName, toolName });
  };
  const reset = () => {
    setQueue('');
    setAgent('');
    setTool('');
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
