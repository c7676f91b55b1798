import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { TrustedProxies } from '../../src/http/client-address.js';

describe('limits: the client address behind trusted proxies', () => {
  const proxies = new TrustedProxies(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);

  it('walks X-Forwarded-For from the right, skipping trusted hops; the first untrusted hop is the client', () => {
    expect(proxies.clientAddress('10.1.2.3', '203.0.113.5')).toBe('203.0.113.5');
    expect(proxies.clientAddress('10.1.2.3', '198.51.100.1, 203.0.113.5, 192.168.1.7')).toBe('203.0.113.5');
    expect(proxies.clientAddress('::ffff:10.1.2.3', ['203.0.113.5', '10.9.9.9'])).toBe('203.0.113.5');
    expect(proxies.clientAddress('fd00::1', '2001:db8::7')).toBe('2001:db8::7');
  });

  it('ignores the header from an untrusted peer, and stops at a hop that is not an address', () => {
    expect(proxies.clientAddress('203.0.113.9', '10.0.0.1')).toBe('203.0.113.9');
    expect(proxies.clientAddress('10.1.2.3', 'not-an-ip, 10.0.0.2')).toBe('10.0.0.2');
    expect(proxies.clientAddress('10.1.2.3', undefined)).toBe('10.1.2.3');
    // Every hop trusted: the leftmost is the best we know.
    expect(proxies.clientAddress('10.1.2.3', '10.0.0.5, 10.0.0.6')).toBe('10.0.0.5');
  });

  it('the config accepts addresses and CIDR ranges only', () => {
    expect(parseConfig({ trustedProxies: ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8'] }).trustedProxies).toHaveLength(4);
    expect(() => parseConfig({ trustedProxies: ['nginx.internal'] })).toThrow(/trustedProxies\.0: must be an IP address or a CIDR range/);
    expect(() => parseConfig({ trustedProxies: ['10.0.0.0/33'] })).toThrow(/trustedProxies\.0/);
  });
});
