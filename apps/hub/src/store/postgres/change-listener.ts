import pg from 'pg';
import type { StoreChange } from '../store.js';
import { CHANGE_CHANNEL, ChangeNotice } from './change-notice.js';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;

/**
 * One dedicated connection that LISTENs for other nodes' change notices (a pooled connection cannot: LISTEN lives
 * as long as its session). When the connection drops it reconnects with backoff and reports `resync`, since
 * notices sent meanwhile are lost; the database's outbox (undelivered decisions) is what the resync re-reads.
 */
export function listenForChanges(options: { url: string; node: string; onChange: (change: StoreChange) => void; onError: (error: Error) => void }): () => void {
  let client: pg.Client | null = null;
  let stopped = false;
  let delay = RECONNECT_MIN_MS;
  let timer: NodeJS.Timeout | null = null;
  let connectedBefore = false;

  const onNotification = (message: pg.Notification) => {
    if (message.channel !== CHANGE_CHANNEL || !message.payload) return;
    let parsed: ChangeNotice;
    try {
      const result = ChangeNotice.safeParse(JSON.parse(message.payload));
      if (!result.success) return;
      parsed = result.data;
    } catch {
      return;
    }
    if (parsed.node === options.node) return;
    if (parsed.kind === 'requested') options.onChange({ kind: 'requested', requestId: parsed.requestId, expiresAt: parsed.expiresAt });
    else if (parsed.kind === 'transitioned') options.onChange({ kind: 'resolved', requestId: parsed.requestId, principalId: parsed.principalId });
  };

  const reconnectLater = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      connect().catch((error: unknown) => options.onError(error as Error));
    }, delay);
    timer.unref();
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  };

  const connect = async () => {
    const next = new pg.Client({ connectionString: options.url, application_name: 'approval-hub-listener' });
    next.on('notification', onNotification);
    next.on('error', (error) => {
      options.onError(error);
      next.removeAllListeners('notification');
      next.end().catch(() => {});
      if (client === next) client = null;
      reconnectLater();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      options.onError(error as Error);
      next.end().catch(() => {});
      reconnectLater();
      return;
    }
    if (stopped) {
      next.end().catch(() => {});
      return;
    }
    client = next;
    delay = RECONNECT_MIN_MS;
    // Whatever was sent while this node was not listening is unknown: re-read what waits.
    if (connectedBefore) options.onChange({ kind: 'resync' });
    connectedBefore = true;
  };

  connect().catch((error: unknown) => options.onError(error as Error));
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const current = client;
    client = null;
    if (current) {
      current.removeAllListeners('notification');
      current.end().catch(() => {});
    }
  };
}
