import { useEffect, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import { SEARCH_INPUT_ID } from '../../app/useKeyboardShortcuts';
import { useTouchScreen } from '../../app/useTouchScreen';
import type { FacetKey } from '../../domain/queueFilter';
import { QUEUE_SORTS, type QueueSort, SORT_LABELS } from '../../domain/queueOrder';
import { RISK_FILTER_ORDER, RISK_LABEL, type RiskDisplay } from '../../domain/risk';
import { safeString } from '../text/SafeText';

const FACET_LABEL: Record<FacetKey, string> = { queue: 'Queue', agent: 'Agent', tool: 'Tool', risk: 'Risk' };
const byRisk = (a: string, b: string) => RISK_FILTER_ORDER.indexOf(a as RiskDisplay) - RISK_FILTER_ORDER.indexOf(b as RiskDisplay);

function FacetSelect({ facet }: { facet: FacetKey }) {
  const { store } = useServices();
  const id = useId();
  const value = useConsoleStore((s) => s.filters[facet]);
  // A new counts object comes with every batch; useShallow keeps the menu still when the counts are equal.
  const counts = useConsoleStore(useShallow((s) => s.facets[facet]));
  const pairs = Object.entries(counts).sort(([a], [b]) => (facet === 'risk' ? byRisk(a, b) : a.localeCompare(b)));
  const name = (value: string) => (facet === 'risk' ? (RISK_LABEL[value as RiskDisplay] ?? value) : safeString(value));
  const missing = value !== null && !pairs.some(([name]) => name === value);

  return (
    <div className="field">
      <label htmlFor={id}>{FACET_LABEL[facet]}</label>
      <select id={id} value={value ?? ''} onChange={(e) => store.getState().setFilter(facet, e.target.value === '' ? null : e.target.value)}>
        <option value="">All</option>
        {missing && <option value={value}>{name(value)} (0)</option>}
        {pairs.map(([value, count]) => (
          <option key={value} value={value}>
            {name(value)} ({count})
          </option>
        ))}
      </select>
    </div>
  );
}

function SearchBox() {
  const { store } = useServices();
  const committed = useConsoleStore((s) => s.filters.search);
  const [text, setText] = useState(committed);
  const touch = useTouchScreen();

  // Debounced: a keystroke does not filter 10,000 rows, a pause does.
  useEffect(() => {
    if (text === store.getState().filters.search) return;
    const timer = setTimeout(() => store.getState().setSearch(text), 150);
    return () => clearTimeout(timer);
  }, [text, store]);
  useEffect(() => setText(committed), [committed]);

  return (
    <div className="field field-search">
      <label htmlFor={SEARCH_INPUT_ID}>Search</label>
      <input
        id={SEARCH_INPUT_ID}
        type="search"
        placeholder={touch ? 'Tool, agent, ids or arguments…' : 'Tool, agent, ids or arguments…  ( / )'}
        value={text}
        aria-keyshortcuts="/"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            setText('');
            store.getState().setSearch('');
            e.currentTarget.blur();
          }
          if (e.key === 'Enter') store.getState().setSearch(text);
        }}
      />
    </div>
  );
}

export function QueueToolbar() {
  const { store } = useServices();
  const sort = useConsoleStore((s) => s.sort);
  const shown = useConsoleStore((s) => s.visibleIds.length);
  const total = useConsoleStore((s) => s.items.size);
  const sortId = useId();

  return (
    <div className="toolbar" role="search" aria-label="Filter pending requests">
      <SearchBox />
      <div className="toolbar-row">
        <FacetSelect facet="queue" />
        <FacetSelect facet="agent" />
        <FacetSelect facet="tool" />
        <FacetSelect facet="risk" />
        <div className="field">
          <label htmlFor={sortId}>Sort</label>
          <select id={sortId} value={sort} onChange={(e) => store.getState().setSort(e.target.value as QueueSort)}>
            {QUEUE_SORTS.map((s) => (
              <option key={s} value={s}>
                {SORT_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="toolbar-count muted small">
        {shown === total ? `${total.toLocaleString()} pending` : `${shown.toLocaleString()} of ${total.toLocaleString()} pending shown`}
      </p>
    </div>
  );
}
