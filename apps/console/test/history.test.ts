import { describe, expect, it } from 'vitest';
import { createConsoleStore } from '../src/store/consoleStore';
import { decided, pending } from './fixtures';

const page = (n: number, nextCursor: string | null) => ({
  items: Array.from({ length: n }, () => decided(pending(), 'approved')),
  nextCursor,
});

describe('history paging', () => {
  it('loads a first page, then more with the cursor, then stops at the end', () => {
    const store = createConsoleStore();
    const s = () => store.getState();
    const first = s().beginHistoryPage('first');
    expect(first).toEqual({ seq: 1, cursor: null });
    expect(s().history.phase).toBe('loading');
    s().receiveHistoryPage(first!.seq, page(50, 'c1'));
    expect(s().history).toMatchObject({ phase: 'ready', nextCursor: 'c1' });
    expect(s().history.items).toHaveLength(50);

    const more = s().beginHistoryPage('more');
    expect(more).toEqual({ seq: 2, cursor: 'c1' });
    expect(s().history.loadingMore).toBe(true);
    expect(s().beginHistoryPage('more')).toBeNull(); // one "Load more" at a time
    s().receiveHistoryPage(more!.seq, page(10, null));
    expect(s().history.items).toHaveLength(60);
    expect(s().history.nextCursor).toBeNull();
    expect(s().beginHistoryPage('more')).toBeNull();
  });

  it('drops an answer to an older request when the filter changed meanwhile', () => {
    const store = createConsoleStore();
    const s = () => store.getState();
    const stale = s().beginHistoryPage('first')!;
    s().setHistoryFilter({ statuses: ['denied'] });
    const fresh = s().beginHistoryPage('first')!;
    s().receiveHistoryPage(stale.seq, page(5, 'x'));
    expect(s().history.phase).toBe('loading');
    s().receiveHistoryPage(fresh.seq, page(2, null));
    expect(s().history.items).toHaveLength(2);
    expect(s().historyFilter.statuses).toEqual(['denied']);
  });

  it('a failed "load more" keeps the rows already shown; a failed first load shows the error', () => {
    const store = createConsoleStore();
    const s = () => store.getState();
    const first = s().beginHistoryPage('first')!;
    s().receiveHistoryPage(first.seq, page(3, 'c1'));
    const more = s().beginHistoryPage('more')!;
    s().failHistoryPage(more.seq, 'The hub could not be reached.');
    expect(s().history).toMatchObject({ phase: 'ready', loadingMore: false, error: 'The hub could not be reached.', nextCursor: 'c1' });
    expect(s().history.items).toHaveLength(3);
    const again = s().beginHistoryPage('first')!;
    s().failHistoryPage(again.seq, 'boom');
    expect(s().history).toMatchObject({ phase: 'error', error: 'boom' });
  });

  it('audit pages work the same way', () => {
    const store = createConsoleStore();
    const s = () => store.getState();
    s().setAuditFilter({ type: 'decided' });
    const t = s().beginAuditPage('first')!;
    s().receiveAuditPage(t.seq, { items: [], nextCursor: null });
    expect(s().audit.phase).toBe('ready');
  });

  it('a timeline answer for another request than the open one is dropped', () => {
    const store = createConsoleStore();
    const s = () => store.getState();
    const a = decided(pending(), 'approved');
    s().openTimeline('other');
    s().openTimeline(a.requestId);
    s().receiveTimeline('other', { ...a, timeline: [] });
    expect(s().timeline.phase).toBe('loading');
    s().receiveTimeline(a.requestId, { ...a, timeline: [] });
    expect(s().timeline).toMatchObject({ phase: 'ready', requestId: a.requestId });
  });
});

describe('session', () => {
  it('sign-out and refusal reset the console but keep notification choices', () => {
    const store = createConsoleStore();
    const s = () => store.getState();
    s().signIn('t');
    s().setSoundNotify(true);
    s().applySnapshot({ pending: [pending()], serverTime: new Date().toISOString(), queues: null, nextCursor: null }, { sentAt: 0, receivedAt: 0 });
    s().refuse({ code: 'forbidden', message: 'agent token' });
    expect(s()).toMatchObject({ token: null, connection: 'idle', soundNotify: true, signInProblem: { code: 'forbidden' } });
    expect(s().items.size).toBe(0);
  });
});

describe('audit data', () => {
  it('is one line with a Show toggle, the whole JSON only when opened', async () => {
    const { createElement } = await import('react');
    const { renderToStaticMarkup } = await import('react-dom/server');
    const { AuditData } = await import('../src/components/history/AuditData');
    const data = { reason: 'x'.repeat(400), args: { to: 'ops@example.com' } };
    const html = renderToStaticMarkup(createElement(AuditData, { data }));
    expect(html).toContain('aria-expanded="false"');
    expect(html).toContain('audit-data-line');
    expect(html).toContain('characters)');
    expect(html).not.toContain('audit-data-json');
    expect(renderToStaticMarkup(createElement(AuditData, { data: null }))).toContain('—');
  });
});
