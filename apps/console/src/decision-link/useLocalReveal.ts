import { useMemo, useState } from 'react';
import type { ApprovalRecord } from '@approval-hub/protocol';
import { revealMemory, type RevealTracker } from '../components/json/revealTracking';
import { unseenReason } from '../store/reviewSlice';

/**
 * The console's "nothing hidden" rule for a page without the console's store: the arguments' tree reports what is
 * not on screen yet (a folded part, the end of a long value), and Approve waits until nothing is.
 */
export function useLocalReveal(record: ApprovalRecord | null): { tracker: RevealTracker | null; unseen: string | null } {
  const [unseen, setUnseen] = useState<Readonly<Record<string, string>>>({});
  const tracker = useMemo<RevealTracker | null>(() => {
    if (!record) return null;
    return {
      report: (path, what) =>
        setUnseen((current) => {
          if (what === null) {
            if (!(path in current)) return current;
            const { [path]: _gone, ...rest } = current;
            return rest;
          }
          return current[path] === what ? current : { ...current, [path]: what };
        }),
      ...revealMemory(record),
    };
  }, [record]);
  return { tracker, unseen: unseenReason(unseen) };
}
