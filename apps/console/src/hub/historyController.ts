import type { PageMode } from '../domain/pagedList';
import type { ConsoleStore } from '../store/consoleStore';
import type { HubApi } from './hubApi';
import { HubRequestError } from './restClient';

export const HISTORY_PAGE_SIZE = 50;

export interface HistoryController {
  loadHistory(mode: PageMode): Promise<void>;
  loadAudit(mode: PageMode): Promise<void>;
  openTimeline(requestId: string): Promise<void>;
}

export function messageOf(error: unknown): string {
  if (error instanceof HubRequestError) return error.message;
  return 'Something went wrong while talking to the hub.';
}

/** Fetches history, audit and timelines and writes the answers through the store's actions. */
export function createHistoryController(store: ConsoleStore, api: HubApi, onUnauthorized: () => void): HistoryController {
  const actions = () => store.getState();
  const report = (error: unknown) => {
    if (error instanceof HubRequestError && error.code === 'unauthorized') onUnauthorized();
    return messageOf(error);
  };

  return {
    async loadHistory(mode) {
      const ticket = actions().beginHistoryPage(mode);
      if (!ticket) return;
      try {
        const page = await api.listApprovals(actions().historyFilter, ticket.cursor, HISTORY_PAGE_SIZE);
        actions().receiveHistoryPage(ticket.seq, page);
      } catch (error) {
        actions().failHistoryPage(ticket.seq, report(error));
      }
    },
    async loadAudit(mode) {
      const ticket = actions().beginAuditPage(mode);
      if (!ticket) return;
      try {
        const page = await api.listAudit(actions().auditFilter, ticket.cursor, HISTORY_PAGE_SIZE);
        actions().receiveAuditPage(ticket.seq, page);
      } catch (error) {
        actions().failAuditPage(ticket.seq, report(error));
      }
    },
    async openTimeline(requestId) {
      actions().openTimeline(requestId);
      try {
        actions().receiveTimeline(requestId, await api.getApproval(requestId));
      } catch (error) {
        actions().failTimeline(requestId, report(error));
      }
    },
  };
}
