import { displayText } from '@approval-hub/protocol';
import { memo } from 'react';
import Markdown, { type Components, defaultUrlTransform } from 'react-markdown';

/**
 * Links are never disguised: each shows its real target next to its text, and opens in a new tab without a
 * referrer. Targets other than http(s) and mailto (javascript:, data:, …) are dropped by `defaultUrlTransform`.
 */
/** The target as a person reads it: percent-escapes decoded, then suspicious characters shown as markers. */
function targetText(href: string): string {
  let decoded = href;
  try {
    decoded = decodeURI(href);
  } catch {
    // Not valid percent-encoding: show it as it is.
  }
  return displayText(decoded);
}

const components: Components = {
  a: ({ href, children }) =>
    href ? (
      <>
        <a href={href} target="_blank" rel="noopener noreferrer nofollow">
          {children}
        </a>{' '}
        <span className="link-target">({targetText(href)})</span>
      </>
    ) : (
      <span className="link-removed">
        {children} <span className="link-target">(link removed: unsafe target)</span>
      </span>
    ),
  // No image is fetched on the reviewer's behalf: it shows as its description and address.
  img: ({ alt, src }) => <span className="link-target">[image{alt ? `: ${alt}` : ''}{typeof src === 'string' && src ? ` (${src})` : ''}]</span>,
};

/**
 * The agent's Markdown, rendered safely: raw HTML is dropped (no rehype-raw, `skipHtml`), so no tag, script or
 * style from the agent reaches the page; suspicious characters become visible markers before parsing, so they
 * show in text and in link targets alike.
 */
export const MarkdownText = memo(function MarkdownText({ source }: { source: string }) {
  return (
    <div className="markdown">
      <Markdown skipHtml components={components} urlTransform={defaultUrlTransform}>
        {displayText(source)}
      </Markdown>
    </div>
  );
});
