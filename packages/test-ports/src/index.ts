import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nobody listens on right now: the OS picks it for a throwaway listener, which closes
 * before this resolves. For a child process that must be told its port up front (a hub CLI, PostgreSQL, a proxy);
 * an in-process server should listen on port 0 instead. Another process may take the port in between, as with any
 * such helper, so callers retry or fail loudly rather than hang.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close(() => reject(new Error('freePort: the listener has no TCP address')));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
