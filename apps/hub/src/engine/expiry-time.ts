import type { Clock } from '../runtime/clock.js';

/**
 * The time deadlines are judged by. It follows the wall clock, but never runs ahead of the time that really
 * elapsed (monotonic) since the hub started by more than `toleranceMs`: a wall clock stepped forward two hours
 * must not expire every pending request at once, which with `defaultOnTimeout: "approve"` would approve them.
 * A clock without a monotonic source (tests) is taken as it is.
 */
export function expiryTime(clock: Clock, toleranceMs: number): () => number {
  const monotonic = clock.monotonic?.bind(clock);
  if (!monotonic) return () => clock.now();
  const wallAtStart = clock.now();
  const monoAtStart = monotonic();
  return () => Math.min(clock.now(), wallAtStart + (monotonic() - monoAtStart) + toleranceMs);
}
