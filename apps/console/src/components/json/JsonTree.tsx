import { type ReactNode, useState } from 'react';
import type { JsonValue } from '@approval-hub/protocol';
import { SafeText } from '../text/SafeText';
import { LongString } from './LongString';
import { childPath, useReportHidden, useRevealTracker } from './revealTracking';

/** Containers open by default down to this depth; deeper ones start folded. */
const OPEN_DEPTH = 3;
/** Children shown per step in a large object or array; the rest is behind a button that says how many. */
const PAGE = 100;

function Primitive({ value, path }: { value: Exclude<JsonValue, object> | null; path: string }) {
  if (value === null) return <span className="json-null">null</span>;
  if (typeof value === 'string') return <LongString value={value} path={path} />;
  if (typeof value === 'number') return <span className="json-number">{String(value)}</span>;
  return <span className="json-boolean">{String(value)}</span>;
}

function Container({ label, value, depth, path }: { label: ReactNode; value: JsonValue[] | { [key: string]: JsonValue }; depth: number; path: string }) {
  const isArray = Array.isArray(value);
  const entries: Array<[string, JsonValue]> = isArray ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const tracker = useRevealTracker();
  const [open, setOpenState] = useState(() => depth < OPEN_DEPTH || (tracker?.wasRevealed(path) ?? false));
  const setOpen = (next: boolean) => {
    if (next) tracker?.markRevealed(path);
    setOpenState(next);
  };
  const [limit, setLimit] = useState(PAGE);
  const [openBrace, closeBrace] = isArray ? ['[', ']'] : ['{', '}'];
  const size = `${entries.length} ${isArray ? (entries.length === 1 ? 'item' : 'items') : entries.length === 1 ? 'key' : 'keys'}`;
  // Folded, or with children behind "Show more": not on screen, so not approvable yet.
  const hidden = entries.length === 0 ? null : !open ? `expand ${path} (${size})` : entries.length > limit ? `show the ${(entries.length - limit).toLocaleString()} more in ${path}` : null;
  useReportHidden(path, hidden);

  if (entries.length === 0) {
    return (
      <div className="json-line">
        {label}
        <span className="json-punct">
          {openBrace}
          {closeBrace}
        </span>
      </div>
    );
  }
  return (
    <div className="json-node">
      <div className="json-line">
        <button type="button" className="json-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
          <span aria-hidden="true" className="json-caret">
            {open ? '▾' : '▸'}
          </span>
          <span className="visually-hidden">{open ? 'Collapse' : 'Expand'} </span>
          {label}
          <span className="json-punct">{openBrace}</span>
          {!open && (
            <span className="json-summary">
              {' '}
              … {size} {closeBrace}
            </span>
          )}
        </button>
      </div>
      {open && (
        <div className="json-children">
          {entries.slice(0, limit).map(([key, child]) => (
            <JsonEntry key={key} name={isArray ? null : key} index={isArray ? Number(key) : null} value={child} depth={depth + 1} parent={path} />
          ))}
          {entries.length > limit && (
            <button type="button" className="btn btn-small json-more" onClick={() => setLimit(limit + PAGE * 10)}>
              Show {Math.min(PAGE * 10, entries.length - limit).toLocaleString()} more of {(entries.length - limit).toLocaleString()} hidden{' '}
              {isArray ? 'items' : 'keys'}
            </button>
          )}
        </div>
      )}
      {open && <div className="json-line json-punct">{closeBrace}</div>}
    </div>
  );
}

function JsonEntry({ name, index, value, depth, parent }: { name: string | null; index: number | null; value: JsonValue; depth: number; parent: string }) {
  const path = childPath(parent, name, index);
  const label = (
    <>
      {name !== null && (
        <span className="json-key">
          "<SafeText text={name} />"
        </span>
      )}
      {index !== null && <span className="json-index">{index}</span>}
      {(name !== null || index !== null) && <span className="json-punct">: </span>}
    </>
  );
  if (value !== null && typeof value === 'object') return <Container label={label} value={value} depth={depth} path={path} />;
  return (
    <div className="json-line">
      {label}
      <Primitive value={value} path={path} />
    </div>
  );
}

/** Tool arguments as a readable, collapsible tree. Everything is rendered as text: arguments are untrusted. */
export function JsonTree({ value, rootPath = 'args' }: { value: JsonValue; rootPath?: string }) {
  return (
    <div className="json-tree">
      <JsonEntry name={null} index={null} value={value} depth={0} parent={rootPath} />
    </div>
  );
}
