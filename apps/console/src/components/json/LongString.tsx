import { useCallback, useEffect, useRef, useState } from 'react';
import { safeString, SafeText } from '../text/SafeText';
import { useReportHidden, useRevealTracker } from './revealTracking';

/** Strings longer than this get their own scrollable viewer; the whole value is in it, nothing is cut. */
export const LONG_STRING = 1_500;

/** Within this many pixels of the bottom counts as having reached the end. */
const END_SLACK = 4;

/**
 * A string value rendered as text (never as HTML). A long one is shown whole in a scrollable, focusable viewer
 * (arrow keys, Page Down and End scroll it), which records when its end was on screen: until then, approving is
 * held back, so a sentence at the end of a long e-mail cannot be approved unseen. A 50 KB value stays one scroll.
 */
export function LongString({ value, path = '' }: { value: string; path?: string }) {
  if (value.length <= LONG_STRING) {
    return (
      <span className="json-string">
        "<SafeText text={value} />"
      </span>
    );
  }
  return <ScrollViewer value={value} path={path} />;
}

function ScrollViewer({ value, path }: { value: string; path: string }) {
  const box = useRef<HTMLDivElement>(null);
  const tracker = useRevealTracker();
  const [reached, setReached] = useState(() => tracker?.wasRevealed(path) ?? false);
  const check = useCallback(() => {
    const el = box.current;
    if (el && el.scrollTop + el.clientHeight >= el.scrollHeight - END_SLACK) {
      setReached(true);
      tracker?.markRevealed(path);
    }
  }, [tracker, path]);
  // A value that fits without scrolling is seen as soon as it is laid out.
  useEffect(check, [check, value]);
  const chars = value.length.toLocaleString();
  const label = `${safeString(path) || 'value'}: ${chars} characters`;
  useReportHidden(path, reached ? null : `scroll to the end of ${safeString(path) || 'a long value'} (${chars} characters)`);

  return (
    <span className="json-string json-string-long">
      <span className="json-long-head">
        <span className="muted small">
          {chars} characters · {reached ? 'read to the end' : 'scroll to the end to enable Approve'}
        </span>
      </span>
      {/* biome-ignore lint/a11y/useSemanticElements: this box sits inside phrasing content (a <span>), where a <section> may not. */}
      <div
        ref={box}
        className={`json-long-viewer${reached ? ' json-long-reached' : ''}`}
        role="region"
        aria-label={label}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus so keyboard users can scroll it (axe: scrollable-region-focusable).
        tabIndex={0}
        onScroll={check}
        data-reached={reached ? 'true' : 'false'}
      >
        "<SafeText text={value} />"
      </div>
    </span>
  );
}
