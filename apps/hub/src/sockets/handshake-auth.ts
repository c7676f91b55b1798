import type { ConnectErrorData, ErrorCode, Role } from '@approval-hub/protocol';
import type { Server, Socket } from 'socket.io';
import type { AuthThrottle } from '../identity/auth-throttle.js';
import { clientAddressOf } from '../http/client-address.js';
import type { Logger } from '../runtime/logger.js';
import type { PrincipalDirectory } from '../identity/principals.js';

export function connectError(code: ErrorCode, message: string): Error & { data: ConnectErrorData } {
  return Object.assign(new Error(message), { data: { code, message } });
}

/**
 * The failed-authentication throttle of each hub, keyed by its Socket.IO server, so that every namespace's
 * `handshakeAuth` shares the one the REST API uses without each namespace having to pass it along.
 */
const throttles = new WeakMap<Server, { throttle: AuthThrottle; trustedProxies: () => readonly string[] }>();

export function useAuthThrottle(io: Server, throttle: AuthThrottle, trustedProxies: () => readonly string[]): void {
  throttles.set(io, { throttle, trustedProxies });
}

/** `io.of(ns).use(...)`: authenticates once, at the handshake, and keeps the principal in `socket.data`. */
export function handshakeAuth(principals: () => PrincipalDirectory, roles: readonly Role[], log: Logger) {
  return (socket: Socket, next: (error?: Error) => void) => {
    const shared = throttles.get(socket.nsp.server);
    const throttle = shared?.throttle;
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const principal = principals().resolve(auth?.token);
    // Behind `trustedProxies` the forwarded client, else the TCP peer.
    const address = shared ? clientAddressOf(socket.request, shared.trustedProxies()) : socket.handshake.address;
    if (!principal) {
      // Only failures are throttled: a good token connects whatever others sent from the same address.
      if (throttle?.throttled(address)) {
        throttle.logRefusal(address, { event: 'auth.refused', namespace: socket.nsp.name, code: 'rate_limited' }, 'handshake refused: too many failed attempts from this address');
        next(connectError('rate_limited', 'Too many failed attempts from your address; try again later'));
        return;
      }
      const fields = { event: 'auth.refused', namespace: socket.nsp.name, code: 'unauthorized' };
      if (throttle) {
        throttle.recordFailure(address);
        throttle.logRefusal(address, fields, 'handshake refused');
      } else {
        log.warn({ ...fields, address }, 'handshake refused');
      }
      next(connectError('unauthorized', 'Missing or unknown token'));
      return;
    }
    if (!roles.includes(principal.role)) {
      const fields = { event: 'auth.refused', namespace: socket.nsp.name, principal: principal.id, code: 'forbidden' };
      if (throttle) throttle.logRefusal(address, fields, 'handshake refused');
      else log.warn(fields, 'handshake refused');
      next(connectError('forbidden', `A ${principal.role} token cannot connect to ${socket.nsp.name}`));
      return;
    }
    socket.data.principal = principal;
    next();
  };
}
