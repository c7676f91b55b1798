import type { ApprovalRecord } from '@approval-hub/protocol';
import pg from 'pg';
import type { RemoteChange, StoreChange } from '../store.js';
import { recordsOf } from '../sql/reads/requests.js';
import { read } from '../sql/run-postgres.js';
import { storeTypes } from './pool.js';
import { CHANGE_CHANNEL, ChangeNotice, noticePrefix } from './change-notice.js';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;

/**
 * The records some notices name, in ONE read on the listening connection itself (it is idle between notices, and
 * the store's pool stays for requests): a node learns what other nodes committed for one statement per notice at
 * most, and that one record serves both its reviewers' fan-out and its agents' deliveries. An empty map when the
 * read fails: each watcher then reads what it needs for itself.
 */
async function readRecords(client: pg.Client, requestIds: string[]): Promise<Map<string, ApprovalRecord>> {
  try {
    return await read(client, recordsOf(requestIds));
  } catch {
    return new Map();
  }
}

/**
 * One dedicated connection that LISTENs for other nodes' change notices (a pooled connection cannot: LISTEN lives
 * as long as its session). When the connection drops it reconnects with backoff and reports `resync`, since
 * notices sent meanwhile are lost; the database's outbox (undelivered decisions) is what the resync re-reads.
 */
export interface ChangeListenerOptions {
  url: string;
  node: string;
  onChange: (change: StoreChange) => void;
  /** Whether some watcher of this node needs the record of this change (read only then); every change is told. */
  wants?: (change: RemoteChange) => boolean;
  /** Other nodes changed the grants of these queues. */
  onGrants?: (queues: readonly string[]) => void;
  /** True once LISTEN is in place, false when the connection is lost: a node's caches are only trusted while true. */
  onListening?: (listening: boolean) => void;
  onError: (error: Error) => void;
}

/** A notice's changes in the order its batch made them: requests first, then resolutions (as the batch lists them). */
function changesOf(notice: ChangeNotice): RemoteChange[] {
  return [
    ...(notice.requested ?? []).map(([requestId, expiresAt, queue, escalateAt]): RemoteChange => ({ kind: 'requested', requestId, expiresAt, queue, escalateAt })),
    ...(notice.resolved ?? []).map(([requestId, principalId, queue]): RemoteChange => ({ kind: 'resolved', requestId, principalId, queue })),
  ];
}

export function listenForChanges(options: ChangeListenerOptions): () => void {
  let client: pg.Client | null = null;
  let stopped = false;
  let delay = RECONNECT_MIN_MS;
  let timer: NodeJS.Timeout | null = null;
  let connectedBefore = false;

  /**
   * Notices heard and not yet handled, in the order they arrived. They are handled in that order, one read at a time:
   * notices that arrive while a read is out wait for it and then share the next, so under load a node reads once per
   * round trip, however many notices (and nodes) there are.
   */
  let waiting: ChangeNotice[] = [];
  let reading = false;

  /** A watcher that throws must not stop the notices after it. */
  const tell = (change: StoreChange) => {
    try {
      options.onChange(change);
    } catch (error) {
      options.onError(error as Error);
    }
  };

  const handleWaiting = async () => {
    reading = true;
    try {
      while (waiting.length > 0) {
        const changes = waiting.flatMap(changesOf);
        waiting = [];
        // Only what a socket, long-poll or reviewer of this node waits for is read; a node that has none reads nothing.
        const ids = new Set(changes.filter((change) => !options.wants || options.wants(change)).map((change) => change.requestId));
        const records = client && ids.size > 0 ? await readRecords(client, [...ids]) : new Map<string, ApprovalRecord>();
        if (stopped) return;
        for (const change of changes) {
          const record = records.get(change.requestId);
          tell(record && (change.kind === 'requested' || record.status !== 'pending') ? { ...change, record } : change);
        }
      }
    } finally {
      reading = false;
    }
  };

  const own = noticePrefix(options.node);
  const onNotification = (message: pg.Notification) => {
    if (message.channel !== CHANGE_CHANNEL || !message.payload || message.payload.startsWith(own)) return;
    let parsed: ChangeNotice;
    try {
      const result = ChangeNotice.safeParse(JSON.parse(message.payload));
      if (!result.success) return;
      parsed = result.data;
    } catch {
      return;
    }
    if (parsed.node === options.node) return;
    // Grants first: a request this notice announces may already be matched against them.
    if (parsed.grants?.length) options.onGrants?.(parsed.grants);
    if (!parsed.requested?.length && !parsed.resolved?.length) return;
    waiting.push(parsed);
    if (!reading) handleWaiting().catch((error: unknown) => options.onError(error as Error));
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
    const next = new pg.Client({ connectionString: options.url, application_name: 'approval-hub-listener', types: storeTypes });
    next.on('notification', onNotification);
    next.on('error', (error) => {
      if (client === next) options.onListening?.(false);
      options.onError(error);
      next.removeAllListeners('notification');
      next.end().catch(() => {});
      if (client === next) client = null;
      reconnectLater();
    });
    next.on('end', () => {
      if (client !== next) return;
      client = null;
      options.onListening?.(false);
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
    options.onListening?.(true);
    // Whatever was sent while this node was not listening is unknown: re-read what waits.
    if (connectedBefore) options.onChange({ kind: 'resync' });
    connectedBefore = true;
  };

  connect().catch((error: unknown) => options.onError(error as Error));
  return () => {
    stopped = true;
    options.onListening?.(false);
    if (timer) clearTimeout(timer);
    const current = client;
    client = null;
    if (current) {
      current.removeAllListeners('notification');
      current.end().catch(() => {});
    }
  };
}
