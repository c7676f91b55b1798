import { createAdapter } from '@socket.io/postgres-adapter';
import type pg from 'pg';
import type { ServerOptions } from 'socket.io';
import type { Logger } from '../../runtime/logger.js';
import { createPool } from './pool.js';

export interface SocketAdapter {
  readonly adapter: ServerOptions['adapter'];
  close(): Promise<void>;
}

/** The one statement the adapter publishes with (its `PubSubClient.publish`). */
const ADAPTER_NOTIFY = 'SELECT pg_notify($1, $2)';

/**
 * The adapter's pool, with its NOTIFYs of one event-loop turn sent as one statement (one round trip, one transaction)
 * instead of one each: a burst of reviewer broadcasts costs PostgreSQL and this node one commit. Flushes run one after
 * another, so broadcasts leave in the order they were made, as each `NOTIFY` of one transaction arrives in order.
 * Everything else (its LISTEN connection, attachments, cleanup) goes to the pool unchanged.
 */
function batchingNotifies(pool: pg.Pool, onError: (error: Error) => void): pg.Pool {
  let channels: string[] = [];
  let payloads: string[] = [];
  let waiters: { resolve: () => void }[] = [];
  let scheduled = false;
  let previous: Promise<void> = Promise.resolve();
  const flush = () => {
    scheduled = false;
    const batch = { channels, payloads, waiters };
    channels = [];
    payloads = [];
    waiters = [];
    previous = previous
      .then(() => pool.query('SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS t(c, p)', [batch.channels, batch.payloads]))
      .then(
        () => undefined,
        (error: unknown) => onError(error as Error),
      )
      .finally(() => {
        for (const waiter of batch.waiters) waiter.resolve();
      });
  };
  const query = (text: unknown, values?: unknown) => {
    if (text === ADAPTER_NOTIFY && Array.isArray(values)) {
      channels.push(String(values[0]));
      payloads.push(String(values[1]));
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return new Promise<void>((resolve) => waiters.push({ resolve }));
    }
    return (pool.query as (t: unknown, v?: unknown) => Promise<unknown>)(text, values);
  };
  return new Proxy(pool, { get: (target, key) => (key === 'query' ? query : Reflect.get(target, key, target)) });
}

/**
 * Socket.IO's maintained PostgreSQL adapter: a broadcast made on one node reaches the sockets on every node (over
 * NOTIFY, with large packets through the `socket_io_attachments` table the migrations create). It carries only the
 * rare broadcasts (quorum progress, escalations, grants, agents' cancel notices): new and resolved requests reach
 * every node through the store's change notice, and each node shows them to its own sockets (`nsp.local`). It has
 * its own small pool, so broadcasts never wait behind the store's writes; its NOTIFYs are grouped per event-loop turn.
 */
export function postgresSocketAdapter(url: string, log: Logger): SocketAdapter {
  const pool = createPool({ url, max: 2 });
  const warn = (error: Error) => log.warn({ event: 'cluster.adapter_error', err: error.message }, 'the Socket.IO PostgreSQL adapter failed; it retries');
  const adapter = createAdapter(batchingNotifies(pool, warn), { errorHandler: warn });
  return {
    adapter: adapter as ServerOptions['adapter'],
    close: () => pool.end(),
  };
}
