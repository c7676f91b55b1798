import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Answers a WebSocket upgrade from a foreign origin with 403, as the protocol says. Engine.IO refuses it too
 * (through `allowRequest`), but its upgrade path always writes `400 Bad Request`; so this runs first and hands
 * only allowed upgrades on to the listeners already installed (Engine.IO's). Call after `new Server(httpServer)`.
 */
export function refuseForeignOriginUpgrades(server: HttpServer, allowed: (req: IncomingMessage) => boolean, onRefused?: (req: IncomingMessage) => void): void {
  const installed = server.listeners('upgrade') as UpgradeListener[];
  server.removeAllListeners('upgrade');
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (allowed(req)) {
      for (const listener of installed) listener.call(server, req, socket, head);
      return;
    }
    onRefused?.(req);
    socket.on('error', () => {});
    const body = 'Origin not allowed';
    socket.end(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
}
