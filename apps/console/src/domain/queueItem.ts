import type { ApprovalRecord } from '@approval-hub/protocol';
import { previewArgs } from './argsPreview';

/** A pending record plus what the queue needs often: parsed times and the row preview. */
export interface QueueItem {
  readonly record: ApprovalRecord;
  readonly id: string;
  readonly createdMs: number;
  readonly expiresMs: number;
  readonly preview: string;
}

export function toQueueItem(record: ApprovalRecord): QueueItem {
  return {
    record,
    id: record.requestId,
    createdMs: Date.parse(record.createdAt),
    expiresMs: Date.parse(record.expiresAt),
    preview: previewArgs(record.args),
  };
}
