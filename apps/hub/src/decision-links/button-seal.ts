import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A chat button's value that names what its message showed: `<requestId> <argsDigest> <mac>`, the MAC keyed by the
 * hub's link key. Slack echoes the value back on a press; the seal keeps anyone who can write a value (a forged or
 * replayed message) from naming other arguments. At most 128 + 43 + 43 + 2 characters (Slack allows 2000).
 */
export interface SealedButton {
  requestId: string;
  argsDigest: string;
}

function mac(key: Buffer, requestId: string, argsDigest: string): string {
  return createHmac('sha256', key).update('approval-hub chat button\n').update(requestId).update('\n').update(argsDigest).digest('base64url');
}

export function sealButton(key: Buffer, button: SealedButton): string {
  return `${button.requestId} ${button.argsDigest} ${mac(key, button.requestId, button.argsDigest)}`;
}

/** The sealed value, or null when it is not one (a message posted before buttons were sealed carries a bare request id). */
export function openButton(key: Buffer, value: string): SealedButton | null {
  const parts = value.split(' ');
  if (parts.length !== 3) return null;
  const [requestId, argsDigest, given] = parts as [string, string, string];
  const expected = Buffer.from(mac(key, requestId, argsDigest));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? { requestId, argsDigest } : null;
}
