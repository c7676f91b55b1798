export interface Backoff {
  /** First delay before a retry or a reconnect. Default 500 ms. */
  initialDelayMs?: number;
  /** Delays double up to this. Default 5 s. */
  maxDelayMs?: number;
}

export const DEFAULT_BACKOFF: Required<Backoff> = { initialDelayMs: 500, maxDelayMs: 5000 };

/** Capped exponential delay with jitter (between half and all of it), so many agents do not retry in step. */
export function backoffDelay(attempt: number, backoff: Required<Backoff>): number {
  const capped = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** attempt);
  return capped * (0.5 + Math.random() / 2);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
