import type { ConsoleSlice } from './types';

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

export const createNoticeSlice: ConsoleSlice<NoticeSlice> = (set, get) => {
  let nextId = 1;
  return {
    notices: [],
    pushNotice: (tone, text) => {
      const id = nextId++;
      set({ notices: [...get().notices, { id, tone, text }].slice(-MAX_NOTICES) }, undefined, 'notice/push');
      return id;
    },
    dismissNotice: (id) => set({ notices: get().notices.filter((n) => n.id !== id) }, undefined, 'notice/dismiss'),
  };
};
