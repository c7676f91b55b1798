import { useState } from 'react';
import { SafeText } from '../text/SafeText';
import { auditDataPreview } from './auditText';

/** Pretty JSON of an entry's data (untrusted: rendered as text), or null when there is nothing to show. */
function prettyData(data: unknown): string | null {
  if (data === undefined || data === null) return null;
  if (typeof data === 'string') return data;
  try {
    return JSON.stringify(data, null, 2);
  } catch {
    return null;
  }
}

/**
 * An audit entry's data: one line, cut with an ellipsis, so rows stay one line high; "Show" opens it as indented
 * JSON in a box of its own (scrolling when long), "Hide" folds it again.
 */
export function AuditData({ data }: { data: unknown }) {
  const [open, setOpen] = useState(false);
  const pretty = prettyData(data);
  if (pretty === null) return <span className="muted">—</span>;
  return (
    <div className={`audit-data-cell${open ? ' audit-data-open' : ''}`}>
      <button type="button" className="btn btn-small btn-ghost audit-data-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide' : 'Show'}
        <span className="visually-hidden"> data</span>
      </button>
      {open ? (
        <pre className="audit-data-json">
          <SafeText text={pretty} />
        </pre>
      ) : (
        <code className="audit-data-line" title="Show the whole data">
          <SafeText text={auditDataPreview(data, 300)} />
        </code>
      )}
    </div>
  );
}
