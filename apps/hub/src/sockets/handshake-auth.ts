import type { ConnectErrorData, ErrorCode, Role } from '@approval-hub/protocol';
import type { Socket } from 'socket.io';
import type { Logger } from '../logger.js';
import type { PrincipalDirectory } from '../principals.js';

export function connectError(code: ErrorCode, message: string): Error & { data: ConnectErrorData } {
  return Object.assign(new Error(message), { data: { code, message } });
}

/** `io.of(ns).use(...)`: authenticates once, at the handshake, and keeps the principal in `socket.data`. */
export function handshakeAuth(principals: () => PrincipalDirectory, roles: readonly Role[], log: Logger) {
  return (socket: Socket, next: (error?: Error) => void) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const principal = principals().resolve(auth?.token);
    if (!principal) {
      log.warn({ event: 'auth.refused', namespace: socket.nsp.name, address: socket.handshake.address, code: 'unauthorized' }, 'handshake refused');
      next(connectError('unauthorized', 'Missing or unknown token'));
      return;
    }
    if (!roles.includes(principal.role)) {
      log.warn({ event: 'auth.refused', namespace: socket.nsp.name, principal: principal.id, code: 'forbidden' }, 'handshake refused');
      next(connectError('forbidden', `A ${principal.role} token cannot connect to ${socket.nsp.name}`));
      return;
    }
    socket.data.principal = principal;
    next();
  };
}
