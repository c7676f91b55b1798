import type { IncomingMessage } from 'node:http';

/**
 * A browser origin is allowed when it is the hub's own (same host) or on the allow-list.
 * Requests without an Origin header come from non-browser clients (agents, curl) and are allowed.
 */
export function isOriginAllowed(origin: string | undefined, host: string | undefined, allowedOrigins: readonly string[]): boolean {
  if (origin === undefined || origin === '') return true;
  if (allowedOrigins.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function requestOriginAllowed(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  return isOriginAllowed(req.headers.origin, req.headers.host, allowedOrigins);
}
