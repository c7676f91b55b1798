import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal arguments give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

/** Identifies "this call" within a session: the same tool with the same arguments. */
export function callKey(parts: { sessionId: string; serverName: string; toolName: string; args: unknown }): string {
  return canonicalJson([parts.sessionId, parts.serverName, parts.toolName, parts.args]);
}

/** The hub requestId of one generation of a call: re-sending it maps to the same hub request. */
export function approvalRequestId(key: string, generation: number): string {
  return `mcp-${createHash('sha256').update(`${key}\n${generation}`).digest('hex').slice(0, 48)}`;
}
