/** The tokens every benchmark server accepts: the hub reads them from its config, the relay ignores them. */

export const ADMIN_TOKEN = 'bench-admin-token-000001';

export function agentToken(index: number): string {
  return `bench-agent-token-${String(index).padStart(6, '0')}`;
}

export function reviewerToken(index: number): string {
  return `bench-reviewer-token-${String(index).padStart(4, '0')}`;
}

export interface HubTokenConfig {
  token: string;
  role: 'agent' | 'reviewer' | 'admin';
  name: string;
}

/** One token per agent socket, so a decision is delivered to one socket only (the hub delivers to every socket of a principal). */
export function hubTokens(agentCount: number, reviewerCount: number): HubTokenConfig[] {
  const tokens: HubTokenConfig[] = [{ token: ADMIN_TOKEN, role: 'admin', name: 'bench-admin' }];
  for (let i = 0; i < agentCount; i++) tokens.push({ token: agentToken(i), role: 'agent', name: `bench-agent-${i}` });
  for (let i = 0; i < reviewerCount; i++) tokens.push({ token: reviewerToken(i), role: 'reviewer', name: `bench-reviewer-${i}` });
  return tokens;
}
