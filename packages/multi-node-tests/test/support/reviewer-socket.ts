import { Namespace, ReviewerEvent, type ApprovalRecord } from '@approval-hub/protocol';
import { io, type Socket } from 'socket.io-client';

/** A reviewer console's socket on one node: subscribed to every queue, keeping what it was told live. */
export interface ReviewerSocket {
  readonly socket: Socket;
  readonly requested: ApprovalRecord[];
  readonly resolved: ApprovalRecord[];
  /** Resolves when the live stream brings a request with this id (or rejects after `timeoutMs`). */
  nextRequest(requestId: string, timeoutMs?: number): Promise<ApprovalRecord>;
  close(): void;
}

export async function connectReviewer(url: string, token: string): Promise<ReviewerSocket> {
  const socket = io(`${url}${Namespace.reviewer}`, { auth: { token }, transports: ['websocket'], reconnection: false });
  const requested: ApprovalRecord[] = [];
  const resolved: ApprovalRecord[] = [];
  const waiting = new Map<string, (record: ApprovalRecord) => void>();
  socket.on(ReviewerEvent.request, (record: ApprovalRecord) => {
    requested.push(record);
    waiting.get(record.requestId)?.(record);
  });
  socket.on(ReviewerEvent.resolved, (record: ApprovalRecord) => resolved.push(record));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const ack = (await socket.timeout(10_000).emitWithAck(ReviewerEvent.subscribe, {})) as { ok: boolean };
  if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
  return {
    socket,
    requested,
    resolved,
    nextRequest(requestId, timeoutMs = 5000) {
      const seen = requested.find((r) => r.requestId === requestId);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(requestId);
          reject(new Error(`request ${requestId} did not reach the reviewer within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(requestId, (record) => {
          clearTimeout(timer);
          waiting.delete(requestId);
          resolve(record);
        });
      });
    },
    close: () => socket.close(),
  };
}
