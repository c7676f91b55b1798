import { displayText } from '@approval-hub/protocol';
import { memo, type ReactNode } from 'react';
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

/** The agent's headings sit below the console's own (h2 is the tool name): h1/h2 → h4, h3 → h5, the rest → h6. */
const demoted = (Tag: 'h4' | 'h5' | 'h6') =>
  function Heading({ children }: { children?: ReactNode }) {
    return <Tag>{children}</Tag>;
  };

const components: Components = {
  h1: demoted('h4'),
  h2: demoted('h4'),
  h3: demoted('h5'),
  h4: demoted('h6'),
  h5: demoted('h6'),
  h6: demoted('h6'),
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
