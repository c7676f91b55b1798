import { useState } from 'react';

/** Strings longer than this are folded; the rest is one click away, never silently dropped. */
export const LONG_STRING = 1_500;

/** A string value rendered as text (never as HTML). Long ones show their head and a button for the rest. */
export function LongString({ value }: { value: string }) {
  const [open, setOpen] = useState(false);
  if (value.length <= LONG_STRING) return <span className="json-string">"{value}"</span>;
  return (
    <span className="json-string json-string-long">
      "{open ? value : value.slice(0, LONG_STRING)}
      {!open && <span className="json-fold">…</span>}"
      <button type="button" className="btn btn-small json-more" onClick={() => setOpen(!open)} aria-expanded={open}>
        {open ? 'Show less' : `Show all ${value.length.toLocaleString()} characters`}
      </button>
    </span>
  );
}
