import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** Who may reach the HTTP listener: the Host and Origin allow-lists and the optional bearer token. */
export interface ListenerAccess {
  /** Host names (without port) a request's `Host` may carry; `*` allows any (only sensible with a token). */
  allowedHosts: readonly string[];
  /** Origins (`scheme://host[:port]`) a browser request may come from; requests without `Origin` are not browsers. */
  allowedOrigins: readonly string[];
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token: string | undefined;
}

export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'] as const;

export type Refusal = { status: 401 | 403; message: string };

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/**
 * The allow-lists when none are configured: the loopback names, plus the address the listener is bound to when it
 * names one host (not a wildcard such as 0.0.0.0), and any origin whose host is one of those.
 */
export function defaultAccess(bindHost: string, extra: { allowedHosts?: readonly string[]; allowedOrigins?: readonly string[]; token?: string | undefined }): ListenerAccess {
  const bare = bindHost.replace(/^\[|\]$/g, '');
  const wildcard = bare === '0.0.0.0' || bare === '::';
  const hosts = new Set<string>([...LOOPBACK_HOSTS, ...(wildcard ? [] : [bare.toLowerCase()]), ...(extra.allowedHosts ?? []).map((h) => h.toLowerCase())]);
  return { allowedHosts: [...hosts], allowedOrigins: extra.allowedOrigins ?? [], token: extra.token };
}

/**
 * Refuses what a DNS-rebinding page or a stranger on the network would send. A browser page served from
 * `evil.example` whose name now resolves to 127.0.0.1 sends `Host: evil.example` and `Origin: http://evil.example`,
 * so both are checked before anything else, for every path and method.
 */
export function refusalOf(req: IncomingMessage, access: ListenerAccess): Refusal | null {
  const host = hostNameOf(req.headers.host);
  if (host === null) return { status: 403, message: 'Missing or malformed Host header' };
  if (!access.allowedHosts.includes('*') && !access.allowedHosts.includes(host)) return { status: 403, message: 'Host not allowed' };
  const origin = req.headers.origin;
  if (origin !== undefined && !originAllowed(origin, access)) return { status: 403, message: 'Origin not allowed' };
  if (access.token !== undefined && !bearerMatches(req.headers.authorization, access.token)) return { status: 401, message: 'Missing or wrong bearer token' };
  return null;
}

function hostNameOf(header: string | undefined): string | null {
  if (!header) return null;
  try {
    const { hostname } = new URL(`http://${header}`);
    return hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return null;
  }
}

function originAllowed(origin: string, access: ListenerAccess): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  const normalized = parsed.origin;
  if (access.allowedOrigins.some((allowed) => allowed === '*' || safeOrigin(allowed) === normalized)) return true;
  // A page on this machine (an inspector on another localhost port) is as local as the listener itself.
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && isLoopback(parsed.hostname);
}

function safeOrigin(value: string): string | null {
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}

/** Compares digests, so the comparison takes the same time whatever the length or the first differing byte. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const given = createHash('sha256').update(match[1]!).digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, expected);
}
