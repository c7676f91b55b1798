import type { IncomingMessage } from 'node:http';

/** What decides whether a browser origin may call the hub: the allow-list, and the names the hub itself answers to. */
export interface OriginPolicy {
  allowedOrigins: readonly string[];
  /**
   * The hub's own `host[:port]`s: its configured public URLs (`decisionLinks.publicUrl`, `notifications.publicUrl`)
   * and its listen address when that is not a wildcard. Loopback names (localhost, 127.0.0.0/8, ::1) always count.
   */
  ownHosts: readonly string[];
}

const hostOf = (url: string | undefined): string[] => {
  if (url === undefined) return [];
  try {
    return [new URL(url).host];
  } catch {
    return [];
  }
};

/** The policy for a config (built once per config object: a reload brings a new one). */
const policies = new WeakMap<object, OriginPolicy>();
export function originPolicyOf(config: {
  allowedOrigins: readonly string[];
  host: string;
  decisionLinks?: { publicUrl?: string | undefined } | undefined;
  notifications?: { publicUrl?: string | undefined } | undefined;
}): OriginPolicy {
  let policy = policies.get(config);
  if (!policy) {
    const listen = config.host === '0.0.0.0' || config.host === '::' ? [] : [config.host.includes(':') ? `[${config.host}]` : config.host];
    policy = { allowedOrigins: config.allowedOrigins, ownHosts: [...hostOf(config.decisionLinks?.publicUrl), ...hostOf(config.notifications?.publicUrl), ...listen] };
    policies.set(config, policy);
  }
  return policy;
}

function isLoopbackName(hostname: string): boolean {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare.endsWith('.localhost') || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/** True when `host` (a Host header) names this hub: one of its own hosts, or a loopback name. */
export function isOwnHost(host: string, policy: OriginPolicy): boolean {
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  if (isLoopbackName(hostname)) return true;
  return policy.ownHosts.some((own) => own === host || own === hostname || own.split(':')[0] === hostname);
}

/**
 * A browser origin is allowed when it is on the allow-list, or is the hub's own: same host as the request AND that
 * host is one the hub answers to (issue #24: a Host header equal to the Origin is no proof on its own, since DNS
 * rebinding makes a foreign name point at the hub). Requests without an Origin header come from non-browser clients
 * (agents, curl) and are allowed.
 */
export function isOriginAllowed(origin: string | undefined, host: string | undefined, policy: OriginPolicy): boolean {
  if (origin === undefined || origin === '') return true;
  if (policy.allowedOrigins.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host && isOwnHost(host, policy);
  } catch {
    return false;
  }
}

export function requestOriginAllowed(req: IncomingMessage, policy: OriginPolicy): boolean {
  return isOriginAllowed(req.headers.origin, req.headers.host, policy);
}
