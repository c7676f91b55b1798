import type { Principal, Role } from '@approval-hub/protocol';
import type { MiddlewareHandler } from 'hono';
import { hasRole } from '../engine/access.js';
import { problem } from './rest-errors.js';

/**
 * Route middleware: refuses `forbidden` unless the authenticated principal holds one of `roles`. The rule itself is
 * access.ts's; this only says it on the route (`app.post(path, requireRole(agentRoles), handler)`).
 */
export function requireRole(roles: readonly Role[], message?: string): MiddlewareHandler<{ Variables: { principal: Principal } }> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!hasRole(principal, roles)) return problem(c, 'forbidden', message ?? `Not allowed for the ${principal.role} role`);
    await next();
  };
}
