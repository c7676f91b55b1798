import type { ApprovalRecord } from '@approval-hub/protocol';
import { toCsv } from '../domain/csv';
import { toHistoryRow } from '../domain/historyRow';
import type { HistoryFilter } from '../store/historySlice';
import type { HubApi } from './hubApi';

export type ExportFormat = 'csv' | 'json';

const EXPORT_PAGE_SIZE = 500;
/** A safety stop so a runaway export cannot exhaust the tab's memory. */
export const EXPORT_MAX_ROWS = 200_000;

/** Every page of the filter, following `nextCursor` to the end. */
export async function fetchAllApprovals(
  api: HubApi,
  filter: HistoryFilter,
  onProgress: (count: number) => void,
  signal?: AbortSignal,
): Promise<{ records: ApprovalRecord[]; complete: boolean }> {
  const records: ApprovalRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await api.listApprovals(filter, cursor, EXPORT_PAGE_SIZE, signal);
    records.push(...page.items);
    onProgress(records.length);
    cursor = page.nextCursor;
  } while (cursor !== null && records.length < EXPORT_MAX_ROWS);
  return { records, complete: cursor === null };
}

const CSV_HEADER = [
  'requestId',
  'status',
  'toolName',
  'agent',
  'agentId',
  'agentClaimedName',
  'queue',
  'decidedBy',
  'createdAt',
  'decidedAt',
  'timeToDecisionMs',
  'edited',
  'reason',
  'runId',
  'conversationId',
  'args',
  'decidedArgs',
] as const;

export function approvalsToCsv(records: readonly ApprovalRecord[]): string {
  return toCsv(
    CSV_HEADER,
    records.map((record) => {
      const row = toHistoryRow(record, null);
      return [
        row.requestId,
        row.status,
        row.toolName,
        row.agent,
        row.agentId,
        row.agentClaimedName,
        row.queue,
        row.decidedBy,
        row.createdAt,
        row.decidedAt,
        row.timeToDecisionMs,
        row.edited,
        row.reason,
        record.runId,
        record.conversationId ?? '',
        JSON.stringify(record.args),
        record.decision ? JSON.stringify(record.decision.args) : '',
      ];
    }),
  );
}

export function exportFileName(filter: HistoryFilter, format: ExportFormat, at: Date): string {
  const parts = ['approvals', filter.statuses.length === 4 ? 'decided' : filter.statuses.join('-'), filter.queue, filter.agentName, filter.toolName]
    .filter(Boolean)
    .map((part) => part.replace(/[^A-Za-z0-9._-]+/g, '_'));
  return `${parts.join('_')}_${at.toISOString().replace(/[:.]/g, '-')}.${format}`;
}

export function exportBlob(records: readonly ApprovalRecord[], format: ExportFormat): Blob {
  return format === 'csv'
    ? new Blob([approvalsToCsv(records)], { type: 'text/csv;charset=utf-8' })
    : new Blob([JSON.stringify(records, null, 2)], { type: 'application/json' });
}

/** Saves a Blob through a temporary link: no server round trip, nothing left behind. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
