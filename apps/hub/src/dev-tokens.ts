import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TokenConfig } from './config.js';

export const DEV_TOKENS_FILE = 'dev-tokens.json';

/**
 * With no tokens configured, the hub makes one token per role once and keeps them beside the database
 * (readable by the owner only), so the sign-in link stays the same across restarts.
 */
export function loadOrCreateDevTokens(dataDir: string): { tokens: TokenConfig[]; file: string; created: boolean } {
  const file = path.join(dataDir, DEV_TOKENS_FILE);
  if (existsSync(file)) {
    const tokens = JSON.parse(readFileSync(file, 'utf8')) as TokenConfig[];
    return { tokens, file, created: false };
  }
  const make = () => randomBytes(24).toString('base64url');
  const tokens: TokenConfig[] = [
    { token: make(), role: 'admin', name: 'Dev Admin', id: 'dev-admin' },
    { token: make(), role: 'reviewer', name: 'Dev Reviewer', id: 'dev-reviewer' },
    { token: make(), role: 'agent', name: 'demo-agents', id: 'demo-agents' },
  ];
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  return { tokens, file, created: true };
}
