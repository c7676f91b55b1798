import { createHmac } from 'node:crypto';

/**
 * The Standard Webhooks signature header value: `v1,` + base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`, keyed
 * with the base64-decoded part of the secret after `whsec_`. (standardwebhooks.com; the tests verify it with the
 * `standardwebhooks` package, an independent implementation.)
 */
export function standardWebhookSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}
