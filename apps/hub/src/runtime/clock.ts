/** The hub's only source of time, injectable so tests can move it. */
export interface Clock {
  /** Wall-clock milliseconds: what records and audit rows are dated with. */
  now(): number;
  /** Monotonic milliseconds, when the clock has them: bounds how fast deadlines can fall due (see expiry-time.ts). */
  monotonic?(): number;
}

export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
