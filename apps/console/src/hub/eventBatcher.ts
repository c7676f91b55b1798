/** Runs `flush` soon, returning a cancel function. */
export type FlushScheduler = (flush: () => void) => () => void;

/**
 * Once per animation frame, with a timer as a fallback: a hidden tab gets no frames, yet its
 * title count and notifications must keep up.
 */
export const frameScheduler: FlushScheduler = (flush) => {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    flush();
  };
  const frame = requestAnimationFrame(run);
  const timer = setTimeout(run, 100);
  return () => {
    done = true;
    cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
};

export interface EventBatcher<T> {
  push(item: T): void;
  /** Delivers what is waiting now (before a snapshot replaces the queue). */
  flushNow(): void;
  /** Drops what is waiting (on sign-out). */
  clear(): void;
}

/** Collects events and hands them over as one batch per frame, so 50 events a second cost at most one update per frame. */
export function createEventBatcher<T>(deliver: (items: T[]) => void, schedule: FlushScheduler = frameScheduler): EventBatcher<T> {
  let waiting: T[] = [];
  let cancel: (() => void) | null = null;

  const flushNow = () => {
    cancel?.();
    cancel = null;
    if (waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    deliver(batch);
  };

  return {
    push(item) {
      waiting.push(item);
      cancel ??= schedule(flushNow);
    },
    flushNow,
    clear() {
      cancel?.();
      cancel = null;
      waiting = [];
    },
  };
}
