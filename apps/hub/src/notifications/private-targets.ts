import ipaddr from 'ipaddr.js';

/** The address a host name spells literally (IPv4, or IPv6 with or without brackets), else null. */
export function literalAddress(host: string): string | null {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return ipaddr.isValid(bare) ? bare : null;
}

/**
 * True for every address a webhook must not reach unless private targets are allowed: anything that is not
 * ordinary public unicast (loopback, RFC 1918, link-local and cloud metadata, CGNAT, unique-local, multicast,
 * unspecified, reserved...). IPv4-mapped IPv6 is judged as the IPv4 address it carries.
 */
export function isPrivateAddress(address: string): boolean {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() !== 'unicast';
}

/** True for `localhost` and loopback addresses: this machine. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const address = literalAddress(name);
  if (address === null) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'loopback';
}
