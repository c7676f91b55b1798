import type { Server as HttpServer } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import type { SocketData } from '@approval-hub/protocol';
import type { Server, Socket } from 'socket.io';
import type { Logger } from '../runtime/logger.js';
import { connectError } from './handshake-auth.js';

export interface ConnectionLimits {
  maxConnections: number;
  maxSocketsPerToken: number;
  maxIdleConnections: number;
  headersTimeoutMs: number;
}

/**
 * TCP connections the HTTP server keeps beyond `maxConnections`: room for REST calls, the health check and
 * for Socket.IO refusals to reach their clients. Past that the server closes new connections at once.
 */
export const HTTP_CONNECTION_HEADROOM = 100;

/**
 * A connection younger than this is never shed as idle: a burst of real clients (thousands of agents
 * reconnecting after a restart) can be accepted faster than their first requests are read.
 */
export const IDLE_GRACE_MS = 1000;

type Middleware = (socket: Socket, next: (error?: Error) => void) => void;

/**
 * `io.of(ns).use(...)`, before authentication: refuses a handshake with `rate_limited` once the hub holds
 * `maxConnections` Socket.IO connections. Engine.IO counts a connection from its own handshake, before any
 * namespace is joined, so connections that never authenticate count too.
 */
export function totalConnectionCap(io: Server, limits: () => ConnectionLimits, log: Logger): Middleware {
  let lastLogged = 0;
  return (_socket, next) => {
    const { maxConnections } = limits();
    if (io.engine.clientsCount <= maxConnections) return next();
    const now = Date.now();
    if (now - lastLogged > 10_000) {
      lastLogged = now;
      log.warn({ event: 'connection.refused', code: 'rate_limited', connections: io.engine.clientsCount, maxConnections }, 'connection cap reached; refusing handshakes');
    }
    next(connectError('rate_limited', `The hub is at its connection limit (${maxConnections}); try again later`));
  };
}

/**
 * `io.of(ns).use(...)`, after authentication: at most `maxSocketsPerToken` sockets per principal, over both
 * namespaces. Counted from the moment a handshake is accepted, so a burst of parallel handshakes cannot
 * slip past the cap before the first of them is connected.
 */
export function perTokenSocketCap(limits: () => ConnectionLimits, log: Logger): Middleware {
  const byPrincipal = new Map<string, Set<string>>();
  const release = (principalId: string, key: string) => {
    const held = byPrincipal.get(principalId);
    if (!held) return;
    held.delete(key);
    if (held.size === 0) byPrincipal.delete(principalId);
  };
  return (socket, next) => {
    const principal = (socket.data as Partial<SocketData>).principal;
    if (!principal) return next(connectError('unauthorized', 'Missing or unknown token'));
    const { maxSocketsPerToken } = limits();
    const held = byPrincipal.get(principal.id) ?? new Set<string>();
    if (held.size >= maxSocketsPerToken) {
      log.warn({ event: 'connection.refused', code: 'rate_limited', principal: principal.id, maxSocketsPerToken }, 'per-token socket cap reached');
      return next(connectError('rate_limited', `This token already has ${maxSocketsPerToken} open sockets, the most the hub allows`));
    }
    const key = `${socket.nsp.name}#${socket.id}`;
    held.add(key);
    byPrincipal.set(principal.id, held);
    // `disconnect` for a socket that connected; the connection's `close` for one dropped before it did.
    // The close listener goes on disconnect, so a client that re-joins many times over one connection does not pile them up.
    const onConnClose = () => release(principal.id, key);
    socket.conn.once('close', onConnClose);
    socket.once('disconnect', () => {
      socket.conn.off('close', onConnClose);
      release(principal.id, key);
    });
    next();
  };
}

/**
 * Caps what the HTTP server holds before anyone has authenticated: at most `maxConnections` plus headroom
 * TCP connections, and at most `maxIdleConnections` that have not yet sent a complete request (the oldest
 * such connections, once older than IDLE_GRACE_MS, are closed to make room), so idle or trickling
 * connections cannot use up the process's file descriptors and starve `/api/health`. Slow headers are cut
 * off after `headersTimeoutMs`.
 */
export function limitHttpConnections(server: HttpServer, limits: ConnectionLimits): void {
  server.maxConnections = limits.maxConnections + HTTP_CONNECTION_HEADROOM;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = Math.max(limits.headersTimeoutMs, 30_000);
  // Oldest first (a Map keeps insertion order), with when each connection arrived.
  const idle = new Map<NetSocket, number>();
  const shed = () => {
    const now = performance.now();
    for (const [socket, since] of idle) {
      if (idle.size <= limits.maxIdleConnections || now - since < IDLE_GRACE_MS) break;
      idle.delete(socket);
      socket.destroy();
    }
  };
  server.on('connection', (socket: NetSocket) => {
    idle.set(socket, performance.now());
    socket.once('close', () => idle.delete(socket));
    if (idle.size > limits.maxIdleConnections) shed();
  });
  const active = (req: { socket: NetSocket }) => idle.delete(req.socket);
  server.on('request', active);
  server.on('upgrade', active);
  // Also on a timer: when descriptors have run out, no new connection arrives to trigger shedding.
  const sweeper = setInterval(() => idle.size > limits.maxIdleConnections && shed(), IDLE_GRACE_MS);
  sweeper.unref();
  server.once('close', () => clearInterval(sweeper));
}
