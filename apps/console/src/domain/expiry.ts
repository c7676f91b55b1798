/** The countdown turns urgent in the last 30 seconds. */
export const URGENT_MS = 30_000;

export type ExpiryPhase = 'normal' | 'urgent' | 'expired';

/**
 * The hub's clock, estimated from the snapshot: `serverTime` was stamped somewhere between the
 * emit and the ack, so the midpoint of the round trip is the best local moment to pin it to.
 */
export function serverOffsetFrom(serverTimeIso: string, sentAtMs: number, receivedAtMs: number): number {
  return Date.parse(serverTimeIso) - (sentAtMs + receivedAtMs) / 2;
}

export function serverNow(offsetMs: number, localNowMs: number): number {
  return localNowMs + offsetMs;
}

export function expiryPhase(expiresMs: number, serverNowMs: number): ExpiryPhase {
  const left = expiresMs - serverNowMs;
  if (left <= 0) return 'expired';
  return left <= URGENT_MS ? 'urgent' : 'normal';
}

/** Whole seconds left, rounded up so "0s" only shows once it is over. */
export function secondsLeft(expiresMs: number, serverNowMs: number): number {
  return Math.max(0, Math.ceil((expiresMs - serverNowMs) / 1000));
}

/** `42s`, `4m 05s`, `1h 02m`. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** Age is shown coarser than the countdown: seconds for the first minute, then minutes. */
export function formatAge(ageMs: number): string {
  const s = Math.max(0, Math.floor(ageMs / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d`;
}
