import type { ApprovalDetail, ApprovalRecord, ApprovalStatus, AuditEntry, AuditType, Page } from '@approval-hub/protocol';
import { type PageMode, type PagedList, beginPage, emptyPagedList, failPage, receivePage } from '../domain/pagedList';
import type { ConsoleSlice } from './types';

export const DECIDED_STATUSES = ['approved', 'denied', 'expired', 'cancelled'] as const satisfies readonly ApprovalStatus[];
export type DecidedStatus = (typeof DECIDED_STATUSES)[number];

/** Empty strings mean "any". */
export interface HistoryFilter {
  readonly statuses: readonly DecidedStatus[];
  readonly queue: string;
  readonly agentName: string;
  readonly toolName: string;
  /** Free text the hub matches against request, run and conversation ids, tool, agent, summary and arguments. */
  readonly search: string;
  /** Which time the list is ordered and paged by: the decision's (default) or the request's. */
  readonly sort: HistorySort;
}

export type HistorySort = 'decided' | 'created';

export const ALL_DECIDED: HistoryFilter = { statuses: DECIDED_STATUSES, queue: '', agentName: '', toolName: '', search: '', sort: 'decided' };

export interface AuditFilter {
  readonly type: AuditType | '';
  readonly queue: string;
}

export interface TimelineState {
  readonly requestId: string | null;
  readonly phase: 'idle' | 'loading' | 'ready' | 'error';
  readonly detail: ApprovalDetail | null;
  readonly error: string | null;
}

/** A load the caller should now perform: `seq` goes back with the answer so a stale one is dropped. */
export interface PageTicket {
  readonly seq: number;
  readonly cursor: string | null;
}

export interface HistorySlice {
  readonly historyFilter: HistoryFilter;
  readonly history: PagedList<ApprovalRecord>;
  readonly auditFilter: AuditFilter;
  readonly audit: PagedList<AuditEntry>;
  readonly timeline: TimelineState;
  setHistoryFilter(patch: Partial<HistoryFilter>): void;
  beginHistoryPage(mode: PageMode): PageTicket | null;
  receiveHistoryPage(seq: number, page: Page<ApprovalRecord>): void;
  failHistoryPage(seq: number, message: string): void;
  setAuditFilter(patch: Partial<AuditFilter>): void;
  beginAuditPage(mode: PageMode): PageTicket | null;
  receiveAuditPage(seq: number, page: Page<AuditEntry>): void;
  failAuditPage(seq: number, message: string): void;
  openTimeline(requestId: string): void;
  receiveTimeline(requestId: string, detail: ApprovalDetail): void;
  failTimeline(requestId: string, message: string): void;
  closeTimeline(): void;
}

const NO_TIMELINE: TimelineState = { requestId: null, phase: 'idle', detail: null, error: null };

export const createHistorySlice: ConsoleSlice<HistorySlice> = (set, get) => ({
  historyFilter: ALL_DECIDED,
  history: emptyPagedList(),
  auditFilter: { type: '', queue: '' },
  audit: emptyPagedList(),
  timeline: NO_TIMELINE,

  setHistoryFilter: (patch) =>
    set(
      { historyFilter: { ...get().historyFilter, ...patch }, history: emptyPagedList(get().history.seq + 1) },
      undefined,
      'history/setFilter',
    ),
  beginHistoryPage: (mode) => {
    const started = beginPage(get().history, mode);
    if (!started) return null;
    set({ history: started.list }, undefined, 'history/begin');
    return { seq: started.list.seq, cursor: started.cursor };
  },
  receiveHistoryPage: (seq, page) => set({ history: receivePage(get().history, seq, page) }, undefined, 'history/receive'),
  failHistoryPage: (seq, message) => set({ history: failPage(get().history, seq, message) }, undefined, 'history/fail'),

  setAuditFilter: (patch) =>
    set({ auditFilter: { ...get().auditFilter, ...patch }, audit: emptyPagedList(get().audit.seq + 1) }, undefined, 'audit/setFilter'),
  beginAuditPage: (mode) => {
    const started = beginPage(get().audit, mode);
    if (!started) return null;
    set({ audit: started.list }, undefined, 'audit/begin');
    return { seq: started.list.seq, cursor: started.cursor };
  },
  receiveAuditPage: (seq, page) => set({ audit: receivePage(get().audit, seq, page) }, undefined, 'audit/receive'),
  failAuditPage: (seq, message) => set({ audit: failPage(get().audit, seq, message) }, undefined, 'audit/fail'),

  openTimeline: (requestId) => set({ timeline: { requestId, phase: 'loading', detail: null, error: null } }, undefined, 'timeline/open'),
  receiveTimeline: (requestId, detail) => {
    if (get().timeline.requestId !== requestId) return;
    set({ timeline: { requestId, phase: 'ready', detail, error: null } }, undefined, 'timeline/receive');
  },
  failTimeline: (requestId, message) => {
    if (get().timeline.requestId !== requestId) return;
    set({ timeline: { requestId, phase: 'error', detail: null, error: message } }, undefined, 'timeline/fail');
  },
  closeTimeline: () => set({ timeline: NO_TIMELINE }, undefined, 'timeline/close'),
});
