import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's replay window: a request signed longer ago than this (or this far ahead) is refused. */
export const SLACK_REPLAY_WINDOW_SECONDS = 300;

/** `v0=` + hex HMAC-SHA256 of `v0:${timestamp}:${rawBody}` with the signing secret (api.slack.com/authentication/verifying-requests-from-slack). */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** True when the signature is Slack's for this body, made within the replay window of `nowSeconds`. */
export function verifySlackSignature(signingSecret: string, timestamp: string | undefined, signature: string | undefined, rawBody: string, nowSeconds: number): boolean {
  if (timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_REPLAY_WINDOW_SECONDS) return false;
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, rawBody));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
