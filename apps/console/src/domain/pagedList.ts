import type { Page } from '@approval-hub/protocol';

export type LoadPhase = 'idle' | 'loading' | 'ready' | 'error';

/** A cursor-paged REST list. `seq` numbers the latest request so an older answer is dropped. */
export interface PagedList<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
  readonly phase: LoadPhase;
  readonly loadingMore: boolean;
  readonly error: string | null;
  readonly seq: number;
}

export function emptyPagedList<T>(seq = 0): PagedList<T> {
  return { items: [], nextCursor: null, phase: 'idle', loadingMore: false, error: null, seq };
}

export type PageMode = 'first' | 'more';

/** Starts a load; returns null when there is nothing to load (no next page, or one already loading). */
export function beginPage<T>(list: PagedList<T>, mode: PageMode): { list: PagedList<T>; cursor: string | null } | null {
  if (mode === 'first') return { list: { ...emptyPagedList<T>(list.seq + 1), phase: 'loading' }, cursor: null };
  if (list.nextCursor === null || list.loadingMore || list.phase === 'loading') return null;
  return { list: { ...list, loadingMore: true, error: null, seq: list.seq + 1 }, cursor: list.nextCursor };
}

export function receivePage<T>(list: PagedList<T>, seq: number, page: Page<T>): PagedList<T> {
  if (seq !== list.seq) return list;
  const items = list.loadingMore ? [...list.items, ...page.items] : page.items;
  return { items, nextCursor: page.nextCursor, phase: 'ready', loadingMore: false, error: null, seq };
}

export function failPage<T>(list: PagedList<T>, seq: number, message: string): PagedList<T> {
  if (seq !== list.seq) return list;
  // A failed "load more" keeps what was already shown.
  return list.loadingMore ? { ...list, loadingMore: false, error: message } : { ...list, phase: 'error', error: message };
}
