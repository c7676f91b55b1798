import { createContext, useContext, useEffect } from 'react';

/** Where a JSON tree reports the parts of a value that are not on screen (path → how to reveal it; null = seen). */
export interface RevealTracker {
  report(path: string, what: string | null): void;
  /** Whether this part was revealed before (the reviewer came back to the request): it starts revealed. */
  wasRevealed(path: string): boolean;
  markRevealed(path: string): void;
}

/** What was revealed of each pending record, for as long as the record is in memory (view state, like a scroll). */
const revealedByRecord = new WeakMap<object, Set<string>>();

export function revealMemory(record: object): Pick<RevealTracker, 'wasRevealed' | 'markRevealed'> {
  let parts = revealedByRecord.get(record);
  if (!parts) {
    parts = new Set();
    revealedByRecord.set(record, parts);
  }
  return {
    wasRevealed: (path) => parts.has(path),
    markRevealed: (path) => {
      parts.add(path);
    },
  };
}

export function useRevealTracker(): RevealTracker | null {
  return useContext(RevealContext);
}

export const RevealContext = createContext<RevealTracker | null>(null);

/** Reports `what` for `path` while it holds, and clears it when the part is revealed or leaves the page. */
export function useReportHidden(path: string, what: string | null): void {
  const tracker = useContext(RevealContext);
  useEffect(() => {
    if (!tracker) return;
    tracker.report(path, what);
    return () => tracker.report(path, null);
  }, [tracker, path, what]);
}

/** A display path: `args.to`, `args.items[3]`, `args["odd key"]`. */
export function childPath(parent: string, name: string | null, index: number | null): string {
  if (index !== null) return `${parent}[${index}]`;
  if (name === null) return parent;
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${parent}.${name}` : `${parent}[${JSON.stringify(name)}]`;
}
