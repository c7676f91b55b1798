import type { ConsoleSlice, SliceDeps } from './types';

export type NoticeTone = 'info' | 'success' | 'warning' | 'error';

export interface Notice {
  readonly id: number;
  readonly tone: NoticeTone;
  readonly text: string;
}

/** Older notices fall off; the live region is for now, the History view is for the record. */
export const MAX_NOTICES = 5;

export interface NoticeSlice {
  readonly notices: readonly Notice[];
  pushNotice(tone: NoticeTone, text: string): number;
  dismissNotice(id: number): void;
}

/** A notice an action reports, before it gets its id. */
export type NoticeDraft = readonly [tone: NoticeTone, text: string];

/** `notices` with `drafts` appended in order, each with the next id; the oldest fall off. */
export function appendNotices(notices: readonly Notice[], drafts: readonly NoticeDraft[], nextId: () => number): readonly Notice[] {
  if (drafts.length === 0) return notices;
  return [...notices, ...drafts.map(([tone, text]) => ({ id: nextId(), tone, text }))].slice(-MAX_NOTICES);
}

export const createNoticeSlice =
  (deps: SliceDeps): ConsoleSlice<NoticeSlice> =>
  (set, get) => ({
    notices: [],
    pushNotice: (tone, text) => {
      const notices = appendNotices(get().notices, [[tone, text]], deps.nextNoticeId);
      set({ notices }, undefined, 'notice/push');
      return (notices.at(-1) as Notice).id;
    },
    dismissNotice: (id) => set({ notices: get().notices.filter((n) => n.id !== id) }, undefined, 'notice/dismiss'),
  });
