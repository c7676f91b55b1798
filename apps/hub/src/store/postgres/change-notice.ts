import { z } from 'zod';

/** The channel every hub node LISTENs on for other nodes' committed changes. */
export const CHANGE_CHANNEL = 'approval_hub';

/**
 * What one committed batch of writes changed, small and without arguments or decisions (any role that can connect may
 * LISTEN, so a notice carries nothing a reviewer's view would hide): a listener reads the records it names from the
 * database in one statement (change-listener.ts), and the database stays the truth (a missed notice is caught by the
 * engine's periodic resync, not by this payload). One notice per batch (see write-batch.ts), not one per write.
 * `node` is the sending store's id, always the first key, so a node skips its own notices without parsing them.
 * `requested`: [requestId, expiresAt, queue, escalateAt or null]; `resolved`: [requestId, principalId, queue];
 * `grants`: queues whose grants changed (made, used, revoked), so other nodes drop them from their grant caches.
 * The queue (and the agent) let a node skip reading what none of its sockets or long-polls waits for; the times arm
 * its timers without a read.
 */
export const ChangeNotice = z.object({
  node: z.string(),
  requested: z.array(z.tuple([z.string(), z.number(), z.string(), z.number().nullable()])).optional(),
  resolved: z.array(z.tuple([z.string(), z.string(), z.string()])).optional(),
  grants: z.array(z.string()).optional(),
});
export type ChangeNotice = z.infer<typeof ChangeNotice>;

/** What one write adds to its batch's notice. */
export interface NoticePart {
  requested?: [requestId: string, expiresAt: number, queue: string, escalateAt: number | null];
  resolved?: [requestId: string, principalId: string, queue: string];
  grants?: string;
}

/** How every notice `node` sent begins (`batchNotices` writes `node` first): its own notices are skipped unparsed. */
export function noticePrefix(node: string): string {
  return `{"node":${JSON.stringify(node)}`;
}

/** NOTIFY payloads are limited to 8000 bytes: a larger batch's notice goes as several. */
const MAX_NOTICE_BYTES = 7000;

/** The batch's notices (usually one), as JSON payloads for `pg_notify`. Empty when the batch changed nothing others watch. */
export function batchNotices(node: string, parts: readonly NoticePart[]): string[] {
  const payloads: string[] = [];
  let current: ChangeNotice = { node };
  let bytes = JSON.stringify(current).length;
  const flush = () => {
    if (current.requested || current.resolved || current.grants) payloads.push(JSON.stringify(current));
    current = { node };
    bytes = JSON.stringify(current).length;
  };
  const add = <K extends 'requested' | 'resolved' | 'grants'>(key: K, item: NonNullable<ChangeNotice[K]>[number]) => {
    const size = JSON.stringify(item).length + key.length + 6;
    if (bytes + size > MAX_NOTICE_BYTES) flush();
    if (!current[key]) current[key] = [] as never;
    const list = current[key] as unknown[];
    if (key === 'grants' && list.includes(item)) return;
    list.push(item);
    bytes += size;
  };
  for (const part of parts) {
    if (part.requested) add('requested', part.requested);
    if (part.resolved) add('resolved', part.resolved);
    if (part.grants !== undefined) add('grants', part.grants);
  }
  flush();
  return payloads;
}
