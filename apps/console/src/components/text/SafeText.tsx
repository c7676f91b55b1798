import { type DisplaySegment, displaySegments, displayText, escapeMarker, needsEscaping } from '@approval-hub/protocol';
import { memo } from 'react';

const REASON: Record<Exclude<DisplaySegment, { kind: 'text' }>['reason'], string> = {
  bidi_control: 'bidirectional control character',
  invisible: 'invisible character',
  control: 'control character',
  mixed_script: 'letter from another script',
};

/**
 * Agent-written text as React text (never HTML), with every bidi control, invisible or control character, and every
 * letter that makes a token mix scripts, shown as a visible marker such as ⟨U+202E⟩ instead of being interpreted.
 * The isolate keeps whatever direction remains from leaking into the text around it.
 */
export const SafeText = memo(function SafeText({ text, className }: { text: string; className?: string }) {
  if (!needsEscaping(text)) return className ? <span className={className}>{text}</span> : text;
  return (
    <bdi className={className ? `safe-text ${className}` : 'safe-text'} dir="ltr">
      {displaySegments(text).map((segment, index) =>
        segment.kind === 'text' ? (
          segment.text
        ) : (
          <mark
            key={index}
            className={`escaped escaped-${segment.reason}`}
            title={`${segment.codePoint}: ${REASON[segment.reason]}${segment.script ? ` (${segment.script})` : ''}`}
          >
            {escapeMarker(segment.text)}
          </mark>
        ),
      )}
    </bdi>
  );
});

/** The same text as a plain string with markers, for attributes (`title`, `aria-label`) and exports. */
export function safeString(text: string): string {
  return needsEscaping(text) ? displayText(text) : text;
}
