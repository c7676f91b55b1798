import { z } from 'zod';

/**
 * Test-only fault injection, off unless `HUB_CRASH_AT=<point>:<n>` is set (read by `loadConfig` only):
 * the hub then kills itself with SIGKILL the n-th time it reaches `point`, so crash tests can die at
 * exact places. Each point names what is true of the request at that instant.
 */
export const CrashPoint = z.enum([
  /** Inside the transaction that inserts a request, before COMMIT: nothing is durable yet. */
  'request.before-commit',
  /** The request is committed; reviewers have not been told and the agent has no ack. */
  'request.after-commit',
  /** Reviewers were sent the request; the agent still has no ack. */
  'request.after-forward',
  /** A reviewer's decision is committed; neither the agent nor the reviewer has been told. */
  'decision.after-commit',
  /** Due requests are marked expired inside the transaction, before COMMIT. */
  'deadline.before-commit',
  /** The expiry is committed; nobody has been told. */
  'deadline.after-commit',
]);
export type CrashPoint = z.infer<typeof CrashPoint>;
export type CrashHook = (point: CrashPoint) => void;

export const CrashAt = z
  .string()
  .regex(/^[a-z.-]+:[1-9]\d{0,8}$/, 'expected <point>:<n>, e.g. request.after-commit:3')
  .transform((text) => {
    const [point, n] = text.split(':');
    return { point: point!, n: Number(n) };
  })
  .pipe(z.object({ point: CrashPoint, n: z.int().positive() }));
export type CrashAt = z.output<typeof CrashAt>;

/** A hook that calls `crash` the n-th time `at.point` is reached, and does nothing otherwise. */
export function crashHookAt(at: CrashAt, crash: () => void): CrashHook {
  let seen = 0;
  return (point) => {
    if (point === at.point && ++seen === at.n) crash();
  };
}
