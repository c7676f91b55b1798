import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) as the IPv4 address it carries, so a rule matches both spellings. */
function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = text.trim().replace(/^\[(.*)\]$/, '$1').split('%')[0]!;
  if (!ipaddr.isValid(bare)) return null;
  const parsed = ipaddr.parse(bare);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

/** True for what `trustedProxies` accepts: an address (`10.0.0.7`, `::1`) or a CIDR range (`10.0.0.0/8`). */
export function isAddressOrCidr(text: string): boolean {
  if (ipaddr.isValid(text)) return true;
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}

function toRange(text: string): Range {
  if (text.includes('/')) {
    const [address, bits] = ipaddr.parseCIDR(text);
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
    return [address, bits];
  }
  const address = parseAddress(text)!;
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

/**
 * The reverse proxies (load balancers) whose `X-Forwarded-For` the hub believes. The client is found by walking the
 * header from the right, skipping trusted hops: the first untrusted hop is the client. Anything left of it was
 * written by the client itself and is ignored, so a client cannot choose the address it is counted under.
 */
export class TrustedProxies {
  readonly #ranges: Range[];

  constructor(list: readonly string[]) {
    this.#ranges = list.map(toRange);
  }

  trusts(address: string): boolean {
    const parsed = parseAddress(address);
    if (!parsed) return false;
    return this.#ranges.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits));
  }

  /** The client's address, given the TCP peer and the `X-Forwarded-For` header(s) it sent. */
  clientAddress(peer: string, forwardedFor: string | readonly string[] | undefined): string {
    if (!this.trusts(peer) || forwardedFor === undefined) return peer;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor as string)).split(',').map((hop) => hop.trim()).filter((hop) => hop !== '');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = parseAddress(hops[i]!);
      // A hop that is not an address cannot be counted or trusted: the last good hop is the best we know.
      if (!hop) return client;
      client = hop.toString();
      if (!this.trusts(client)) return client;
    }
    return client;
  }
}

const compiled = new WeakMap<readonly string[], TrustedProxies>();

/** The `TrustedProxies` for a config's list, built once per list (a reload brings a new list). */
export function trustedProxiesFor(list: readonly string[]): TrustedProxies {
  let proxies = compiled.get(list);
  if (!proxies) {
    proxies = new TrustedProxies(list);
    compiled.set(list, proxies);
  }
  return proxies;
}

/** The client address of an HTTP request (REST call, handshake, upgrade), through `trustedProxies` only. */
export function clientAddressOf(req: Pick<IncomingMessage, 'headers' | 'socket'> | undefined, trustedProxies: readonly string[]): string {
  const peer = req?.socket?.remoteAddress ?? 'unknown';
  return trustedProxiesFor(trustedProxies).clientAddress(peer, req?.headers['x-forwarded-for']);
}

/** The client address of a hono request served by @hono/node-server. */
export function requestClientAddress(c: { env: unknown }, trustedProxies: readonly string[]): string {
  return clientAddressOf((c.env as { incoming?: IncomingMessage } | undefined)?.incoming, trustedProxies);
}
