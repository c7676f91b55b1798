import type { Grant } from '@approval-hub/protocol';
import type { ConsoleSlice } from './types';

export interface GrantsSlice {
  /** The grants of our queues, newest first; null until loaded. */
  readonly grants: readonly Grant[] | null;
  readonly grantsError: string | null;
  readonly grantsLoading: boolean;
  setGrantsLoading(): void;
  setGrants(grants: readonly Grant[]): void;
  setGrantsError(message: string): void;
  /** A `grant.*` event or a revoke answer: replaces the grant with the same id, or adds it on top. */
  applyGrant(grant: Grant): void;
}

export const createGrantsSlice: ConsoleSlice<GrantsSlice> = (set, get) => ({
  grants: null,
  grantsError: null,
  grantsLoading: false,
  setGrantsLoading: () => set({ grantsLoading: true, grantsError: null }, undefined, 'grants/loading'),
  setGrants: (grants) => set({ grants, grantsLoading: false, grantsError: null }, undefined, 'grants/set'),
  setGrantsError: (grantsError) => set({ grantsError, grantsLoading: false }, undefined, 'grants/error'),
  applyGrant: (grant) => {
    const current = get().grants;
    if (current === null) return; // the view loads the list when it opens
    const at = current.findIndex((g) => g.grantId === grant.grantId);
    const next = at >= 0 ? current.map((g, i) => (i === at ? grant : g)) : [grant, ...current];
    set({ grants: next }, undefined, 'grants/apply');
  },
});
