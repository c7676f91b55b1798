import { createHash } from 'node:crypto';
import type { AuditActor, Principal, Role } from '@approval-hub/protocol';
import type { TokenConfig } from './config.js';

/** Tokens are looked up by their SHA-256, so the raw secret is never a map key that could end up in a dump. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class PrincipalDirectory {
  #byDigest = new Map<string, Principal>();

  constructor(tokens: readonly TokenConfig[]) {
    this.replace(tokens);
  }

  replace(tokens: readonly TokenConfig[]): void {
    const next = new Map<string, Principal>();
    for (const t of tokens) {
      next.set(tokenDigest(t.token), {
        id: t.id ?? t.name,
        name: t.name,
        role: t.role,
        queues: t.role === 'reviewer' ? (t.queues ?? null) : null,
      });
    }
    this.#byDigest = next;
  }

  resolve(token: unknown): Principal | null {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return null;
    return this.#byDigest.get(tokenDigest(token)) ?? null;
  }

  /** Still valid, with the same role (used after a config reload to drop revoked sessions). */
  stillValid(token: string, principal: Principal): boolean {
    const current = this.resolve(token);
    return current !== null && current.id === principal.id && current.role === principal.role;
  }
}

export const reviewerRoles: readonly Role[] = ['reviewer', 'admin'];
export const agentRoles: readonly Role[] = ['agent'];

/** The queues a principal may read and decide: `null` = all. */
export function queueScope(principal: Principal): readonly string[] | null {
  return principal.role === 'reviewer' ? principal.queues : null;
}

/** How a principal appears in the audit log. */
export function actorOf(principal: Principal): AuditActor {
  return principal.role === 'agent'
    ? { kind: 'agent', id: principal.id, name: principal.name }
    : { kind: 'reviewer', id: principal.id, name: principal.name };
}
