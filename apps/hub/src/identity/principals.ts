import { createHash } from 'node:crypto';
import type { Principal } from '@approval-hub/protocol';
import type { TokenConfig } from '../config.js';

/** Tokens are looked up by their SHA-256, so the raw secret is never a map key that could end up in a dump. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function samePrincipal(a: Principal, b: Principal): boolean {
  return a.id === b.id && a.name === b.name && a.role === b.role && JSON.stringify(a.queues) === JSON.stringify(b.queues);
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
        // Reviewers: the queues they see and decide. Agents: the queues they may post to. Admins: everything.
        queues: t.role === 'admin' ? null : (t.queues ?? null),
      });
    }
    this.#byDigest = next;
  }

  resolve(token: unknown): Principal | null {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return null;
    return this.#byDigest.get(tokenDigest(token)) ?? null;
  }

  /**
   * The token still stands for exactly this principal: same id, name, role and queues. Sessions whose principal
   * changed in any way (revoked, queues narrowed, role changed) are ended on reload rather than re-checked per event.
   */
  stillValid(token: string, principal: Principal): boolean {
    const current = this.resolve(token);
    return current !== null && samePrincipal(current, principal);
  }
}
