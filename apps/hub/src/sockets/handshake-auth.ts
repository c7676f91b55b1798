import type { ConnectErrorData, ErrorCode, Role } from '@approval-hub/protocol';
import type { Server, Socket } from 'socket.io';
import type { AuthThrottle } from '../auth-throttle.js';
import type { Logger } from '../logger.js';
import type { PrincipalDirectory } from '../principals.js';

export function connectError(code: ErrorCode, message: string): Error & { data: ConnectErrorData } {
  return Object.assign(new Error(message), { data: { code, message } });
}

/**
 * The failed-authentication throttle of each hub, keyed by its Socket.IO server, so that every namespace's
 * `handshakeAuth` shares the one the REST API uses without each namespace having to pass it along.
 */
const throttles = new WeakMap<Server, AuthThrottle>();

export function useAuthThrottle(io: Server, throttle: AuthThrottle): void {
  throttles.set(io, throttle);
}

/** `io.of(ns).use(...)`: authenticates once, at the handshake, and keeps the principal in `socket.data`. */
export function handshakeAuth(principals: () => PrincipalDirectory, roles: readonly Role[], log: Logger) {
  return (socket: Socket, next: (error?: Error) => void) => {
    const throttle = throttles.get(socket.nsp.server);
    const address = socket.handshake.address;
    // Checked before the token is even looked at: a throttled address learns nothing about what it sends.
    if (throttle?.throttled(address)) {
      throttle.logRefusal(address, { event: 'auth.refused', namespace: socket.nsp.name, code: 'rate_limited' }, 'handshake refused: too many failed attempts from this address');
      next(connectError('rate_limited', 'Too many failed attempts from your address; try again later'));
      return;
    }
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const principal = principals().resolve(auth?.token);
    if (!principal) {
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
