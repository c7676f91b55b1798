import type { Principal } from '@approval-hub/protocol';
import type { TokenConfig } from '../config.js';

/**
 * The reviewer (or admin) a notification recipient decides as, built from the current tokens exactly as a session
 * would be: a revoked or narrowed token revokes or narrows what its Slack user can do. Null for agents and unknown ids.
 */
export function reviewerPrincipal(tokens: readonly TokenConfig[], principalId: string): Principal | null {
  const token = tokens.find((t) => (t.id ?? t.name) === principalId && t.role !== 'agent');
  if (!token) return null;
  return { id: principalId, name: token.name, role: token.role, queues: token.role === 'admin' ? null : (token.queues ?? null) };
}
