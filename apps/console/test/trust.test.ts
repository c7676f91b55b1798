import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MarkdownText } from '../src/components/detail/MarkdownText';
import { SafeText } from '../src/components/text/SafeText';
import { checkEditedArgs, prettyJson } from '../src/domain/editedArgs';
import { matcherFor, NO_FILTERS } from '../src/domain/queueFilter';
import { comparatorFor } from '../src/domain/queueOrder';
import { toQueueItem } from '../src/domain/queueItem';
import { pending, syncedStore } from './fixtures';
import { DECISION_DWELL_MS } from '../src/store/reviewSlice';

function setup(risk?: 'low' | 'medium' | 'high' | 'critical') {
  const a = pending({ toolName: 'delete_pod', ...(risk ? { risk } : {}) });
  const ctx = syncedStore([a]);
  ctx.store.getState().select(a.requestId);
  ctx.store.getState().beginReview(a.requestId);
  ctx.clock.advance(DECISION_DWELL_MS);
  return { ...ctx, a, s: () => ctx.store.getState() };
}

describe('approving by risk', () => {
  it('low, medium and unrated risk send at once', () => {
    for (const risk of ['low', 'medium', undefined] as const) {
      const { s, a } = setup(risk);
      expect(s().approvalStep(a.requestId, 'approve')).toEqual({ kind: 'send' });
    }
  });

  it('high risk arms on the first press and sends on the second; another request resets it', () => {
    const { s, a, clock } = setup('high');
    expect(s().approvalStep(a.requestId, 'approve')).toEqual({ kind: 'confirm', level: 'high' });
    expect(s().confirming).toEqual({ requestId: a.requestId, level: 'high', action: 'approve' });
    expect(s().approvalStep(a.requestId, 'approve')).toEqual({ kind: 'send' });
    expect(s().confirming).toBeNull();
    expect(s().approvalStep(a.requestId, 'approve')).toEqual({ kind: 'confirm', level: 'high' });
    s().beginReview('other');
    s().beginReview(a.requestId);
    expect(s().confirming).toBeNull();
    clock.advance(DECISION_DWELL_MS);
    expect(s().approvalStep(a.requestId, 'approve')).toEqual({ kind: 'confirm', level: 'high' });
    s().cancelConfirmation();
    expect(s().confirming).toBeNull();
  });

  it('critical risk needs the tool name typed exactly; pressing again is not enough', () => {
    const { s, a } = setup('critical');
    expect(s().approvalStep(a.requestId, 'approve')).toEqual({ kind: 'confirm', level: 'critical' });
    expect(s().approvalStep(a.requestId, 'approve')).toEqual({ kind: 'confirm', level: 'critical' });
    expect(s().approvalStep(a.requestId, 'approve', 'delete_po')).toMatchObject({ kind: 'blocked', reason: expect.stringContaining('delete_pod') });
    expect(s().approvalStep(a.requestId, 'approve', 'DELETE_POD')).toMatchObject({ kind: 'blocked' });
    expect(s().approvalStep(a.requestId, 'approve', ' delete_pod ')).toEqual({ kind: 'send' });
  });

  it('a typed name without an armed confirmation only opens it', () => {
    const { s, a } = setup('critical');
    expect(s().approvalStep(a.requestId, 'approve', 'delete_pod')).toEqual({ kind: 'confirm', level: 'critical' });
  });
});

describe('nothing hidden at approval', () => {
  it('blocks approval while a part is not on screen, and says which', () => {
    const { s, a } = setup('low');
    s().reportUnseen(a.requestId, 'args.body', 'scroll to the end of args.body (2,671 characters)');
    expect(s().approvalStep(a.requestId, 'approve')).toMatchObject({ kind: 'blocked', reason: expect.stringContaining('args.body') });
    expect(s().checkApprovable(a.requestId).ok).toBe(false);
    // Deny is not held back: refusing needs no full reading.
    expect(s().checkActionable(a.requestId).ok).toBe(true);
    s().reportUnseen(a.requestId, 'args.body', null);
    expect(s().approvalStep(a.requestId, 'approve')).toEqual({ kind: 'send' });
  });

  it('keeps reports that arrive before the review begins (child effects run first), and refuses an unopened request', () => {
    const a = pending({});
    const { store, clock } = syncedStore([a]);
    const s = () => store.getState();
    s().select(a.requestId);
    expect(s().approvalStep(a.requestId, 'approve')).toMatchObject({ kind: 'blocked', reason: expect.stringContaining('Open the request') });
    s().reportUnseen(a.requestId, 'args.items', 'expand args.items (40 items)');
    s().beginReview(a.requestId);
    clock.advance(DECISION_DWELL_MS);
    expect(s().approvalStep(a.requestId, 'approve')).toMatchObject({ kind: 'blocked', reason: expect.stringContaining('args.items') });
  });

  it('names two hidden parts and counts the rest', () => {
    const { s, a } = setup();
    for (const p of ['a', 'b', 'c', 'd']) s().reportUnseen(a.requestId, `args.${p}`, `expand args.${p}`);
    const step = s().approvalStep(a.requestId, 'approve');
    expect(step).toMatchObject({ kind: 'blocked', reason: expect.stringContaining('and 2 more') });
  });
});

describe('risk in the queue', () => {
  it('sorts highest risk first (unrated between low and medium), then by deadline', () => {
    const records = [pending({ risk: 'low' }), pending({ risk: 'critical' }), pending({}), pending({ risk: 'medium' }), pending({ risk: 'high' })];
    const items = records.map(toQueueItem).sort(comparatorFor('risk'));
    expect(items.map((i) => i.record.risk ?? 'unrated')).toEqual(['critical', 'high', 'medium', 'unrated', 'low']);
  });

  it('counts risk levels for the filter menu', () => {
    const { store } = syncedStore([pending({ risk: 'high' }), pending({ risk: 'high' }), pending({})]);
    expect(store.getState().facets.risk).toEqual({ high: 2, unrated: 1 });
  });

  it('filters by risk level, unrated included, and search finds ids and the summary', () => {
    const high = toQueueItem(pending({ risk: 'high', runId: 'run-7f3a', summary: 'Pay ACME' }));
    const none = toQueueItem(pending({}));
    expect([high, none].filter(matcherFor({ ...NO_FILTERS, risk: 'high' }))).toEqual([high]);
    expect([high, none].filter(matcherFor({ ...NO_FILTERS, risk: 'unrated' }))).toEqual([none]);
    expect([high, none].filter(matcherFor({ ...NO_FILTERS, search: '7f3a' }))).toEqual([high]);
    expect([high, none].filter(matcherFor({ ...NO_FILTERS, search: 'acme' }))).toEqual([high]);
    expect([high, none].filter(matcherFor({ ...NO_FILTERS, search: none.id }))).toEqual([none]);
  });
});

describe('escaped rendering', () => {
  const render = (text: string) => renderToStaticMarkup(createElement(SafeText, { text }));

  it('shows bidi, invisible and control characters as markers and never emits them', () => {
    const html = render('invoice\u202Efdp.exe b\u200b@evil.test ok\u001b[2J x\u2066y\u2069');
    for (const marker of ['⟨U+202E⟩', '⟨U+200B⟩', '⟨U+001B⟩', '⟨U+2066⟩', '⟨U+2069⟩']) expect(html).toContain(marker);
    expect(html).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B\u001B]/);
  });

  it('marks the look-alike letters of a mixed-script address and leaves ordinary text alone', () => {
    expect(render('https://pаypal.com')).toContain('p<mark class="escaped escaped-mixed_script" title="U+0430: letter from another script (Cyrillic)">⟨U+0430⟩</mark>ypal');
    expect(render('Grüße aus Köln, Tシャツ')).toBe('Grüße aus Köln, Tシャツ');
  });

  it('the editor shows the same characters as JSON escapes, and parses back to the same value', () => {
    const args = { file: 'invoice\u202Efdp.exe', to: 'b\u200b@x.test', tag: 'a\u{E0041}b' };
    const text = prettyJson(args);
    expect(text).toContain('invoice\\u202efdp.exe');
    expect(text).toContain('b\\u200b@x.test');
    expect(text).toContain('a\\udb40\\udc41b');
    expect(text).not.toMatch(/[\u202E\u200B]/);
    const back = checkEditedArgs(text);
    expect(back.ok && back.args).toEqual(args);
  });
});

describe('Markdown context with hostile input', () => {
  const render = (source: string) => renderToStaticMarkup(createElement(MarkdownText, { source }));

  it('renders no raw HTML, script, handler or style from the agent', () => {
    const html = render(
      [
        '# Plan',
        '<script>alert(1)</script>',
        '<img src=x onerror="alert(2)">',
        '<iframe src="https://evil.test"></iframe>',
        '<a href="https://evil.test" onclick="steal()">click</a>',
        '<style>body{display:none}</style>',
        '**bold** and `code`',
      ].join('\n\n'),
    );
    expect(html).toContain('<h4>Plan</h4>');
    expect(html).toContain('<strong>bold</strong>');
    for (const bad of ['<script', '<img', '<iframe', 'onerror', 'onclick', '<style', 'alert(']) expect(html).not.toContain(bad);
  });

  it('shows every link’s real target, and drops javascript: and data: targets', () => {
    const html = render('[Open the dashboard](https://evil.test/login) [x](javascript:alert(1)) [y](data:text/html,<b>hi</b>) <https://a.test>');
    expect(html).toContain('href="https://evil.test/login"');
    expect(html).toContain('(https://evil.test/login)');
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('data:text');
    expect(html).toContain('link removed: unsafe target');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
  });

  it('never loads an image; shows its description and address instead', () => {
    const html = render('![tracking pixel](https://evil.test/p.gif)');
    expect(html).not.toContain('<img');
    expect(html).toContain('[image: tracking pixel (https://evil.test/p.gif)]');
  });

  it('escapes spoofing characters in text and link targets alike', () => {
    const html = render('Send to [billing](https://pаypal.com/\u202Eexe) now\u200b');
    expect(html).not.toMatch(/[\u202E\u200B]/);
    expect(html).toContain('⟨U+202E⟩');
    expect(html).toContain('⟨U+200B⟩');
    expect(html).toContain('⟨U+0430⟩');
  });
});
