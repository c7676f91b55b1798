export interface Ticker {
  /** For `useSyncExternalStore`: listeners are called on every tick while any are subscribed. */
  subscribe(listener: () => void): () => void;
  /** Local time of the last tick: stable between ticks, as `useSyncExternalStore` requires. */
  now(): number;
}

/**
 * One shared clock for every countdown. It only runs while something listens, and each visible
 * row derives its own whole-second value from it, so a row re-renders only when its text changes
 * and rows that are not rendered (virtualised away) cost nothing.
 */
export function createTicker(intervalMs = 100, clock: () => number = Date.now): Ticker {
  const listeners = new Set<() => void>();
  let current = clock();
  let timer: ReturnType<typeof setInterval> | null = null;

  const tick = () => {
    current = clock();
    for (const listener of listeners) listener();
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (timer === null) {
        current = clock();
        timer = setInterval(tick, intervalMs);
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer !== null) {
          clearInterval(timer);
          timer = null;
        }
      };
    },
    now() {
      if (timer === null && clock() - current > intervalMs) current = clock();
      return current;
    },
  };
}

export const sharedTicker = createTicker();
