import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { OutboxRow } from '../store/outbox-store.js';
import { PermanentDeliveryError, PrivateTargetError, type DeliveryResult } from './delivery-errors.js';
import type { WebhookChannel } from './notifications-config.js';
import { isPrivateAddress, literalAddress } from './private-targets.js';
import { standardWebhookSignature } from './standard-webhook-signature.js';

export interface WebhookOptions {
  allowPrivateTargets: boolean;
  timeoutMs: number;
  /** Seconds since the epoch for `webhook-timestamp`. */
  nowSeconds: () => number;
}

/**
 * Resolves like dns.lookup, then refuses when any address is private. The connection uses exactly the addresses
 * checked here, so a name cannot pass the check and then resolve elsewhere (DNS rebinding).
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (refused) return callback(new PrivateTargetError(`refused: ${hostname} resolves to a loopback or private address`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`no address for ${hostname}`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** Sends one outbox row to a webhook: POST of the stored body with Standard Webhooks headers. 2xx = delivered. */
export async function sendWebhook(row: OutboxRow, channel: WebhookChannel, options: WebhookOptions): Promise<DeliveryResult> {
  const url = new URL(channel.url);
  const literal = literalAddress(url.hostname);
  // Node connects to a literal address without a lookup: check it here.
  if (literal !== null && !options.allowPrivateTargets && isPrivateAddress(literal)) throw new PrivateTargetError(`refused: ${literal} is a loopback or private address`);
  const timestamp = options.nowSeconds();
  const body = row.payload;
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'approval-hub-webhooks',
    'webhook-id': row.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': standardWebhookSignature(channel.secret, row.id, timestamp, body),
  };
  const transport = url.protocol === 'https:' ? https : http;
  const status = await new Promise<number>((resolve, reject) => {
    const request = transport.request(url, { method: 'POST', headers, lookup: guardedLookup(options.allowPrivateTargets), timeout: options.timeoutMs, signal: AbortSignal.timeout(options.timeoutMs) }, (response) => {
      // The answer's body is not needed; drain it so the socket is freed.
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
  if (status >= 200 && status < 300) return {};
  // Redirects are not followed: a redirect could lead to a private address after the check.
  if (status >= 300 && status < 400) throw new PermanentDeliveryError(`answered ${status} (redirects are not followed)`);
  throw new Error(`answered HTTP ${status}`);
}
