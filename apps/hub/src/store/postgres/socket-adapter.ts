import { createAdapter } from '@socket.io/postgres-adapter';
import type { ServerOptions } from 'socket.io';
import type { Logger } from '../../logger.js';
import { createPool } from './pool.js';

export interface SocketAdapter {
  readonly adapter: ServerOptions['adapter'];
  close(): Promise<void>;
}

/**
 * Socket.IO's maintained PostgreSQL adapter: a broadcast to reviewers made on one node reaches the reviewers on every
 * node (over NOTIFY, with large packets through the `socket_io_attachments` table the migrations create). It has its
 * own small pool, so broadcasts never wait behind the store's writes.
 */
export function postgresSocketAdapter(url: string, log: Logger): SocketAdapter {
  const pool = createPool({ url, max: 2 });
  const adapter = createAdapter(pool, {
    errorHandler: (error: Error) => log.warn({ event: 'cluster.adapter_error', err: error.message }, 'the Socket.IO PostgreSQL adapter failed; it retries'),
  });
  return {
    adapter: adapter as ServerOptions['adapter'],
    close: () => pool.end(),
  };
}
