import { type QueueFilters, type FacetKey, NO_FILTERS } from '../domain/queueFilter';
import type { QueueItem } from '../domain/queueItem';
import type { QueueSort } from '../domain/queueOrder';
import { type Facets, type QueueData, EMPTY_FACETS, withView } from '../domain/queueState';
import { RecentIds } from '../domain/recentIds';
import type { ConsoleSlice, ConsoleState, SliceDeps } from './types';

/** Counted for the tab title, sound and desktop notification; `seq` changes once per batch with arrivals. */
export interface Arrivals {
  readonly seq: number;
  readonly count: number;
  readonly toolNames: readonly string[];
  /** The authenticated agents that asked (distinct, at most 3): never the names they claim. */
  readonly agents: readonly string[];
}

export interface SnapshotTiming {
  /** Local time the `queue.subscribe` was emitted. */
  readonly sentAt: number;
  /** Local time its ack arrived. */
  readonly receivedAt: number;
}

export interface QueueSlice extends QueueData {
  readonly items: ReadonlyMap<string, QueueItem>;
  readonly visibleIds: readonly string[];
  readonly facets: Facets;
  readonly sort: QueueSort;
  readonly filters: QueueFilters;
  /** The queues the hub subscribed us to; null = all queues. */
  readonly subscribedQueues: readonly string[] | null;
  readonly arrivals: Arrivals | null;
  /**
   * Ids known to be decided: a late or repeated `approval.request` for one never brings it back. Not render state:
   * the queue actions add to it in place, in the same action as the `set` that removes the request; sign-in and
   * sign-out replace it with an empty one.
   */
  readonly ledger: RecentIds;
  setSort(sort: QueueSort): void;
  setFilter(key: FacetKey, value: string | null): void;
  setSearch(search: string): void;
  clearFilters(): void;
}

export function queueDataOf(state: ConsoleState): QueueData {
  return { items: state.items, visibleIds: state.visibleIds, facets: state.facets, sort: state.sort, filters: state.filters };
}

export function createQueueSlice(deps: SliceDeps): ConsoleSlice<QueueSlice> {
  return (set, get) => {
    const setView = (sort: QueueSort, filters: QueueFilters, action: string) =>
      set(withView(queueDataOf(get()), sort, filters), undefined, action);

    return {
      items: new Map(),
      visibleIds: [],
      facets: EMPTY_FACETS,
      sort: 'deadline',
      filters: NO_FILTERS,
      subscribedQueues: null,
      arrivals: null,
      ledger: new RecentIds(deps.ledgerCapacity),

      setSort: (sort) => setView(sort, get().filters, 'queue/setSort'),
      setFilter: (key, value) => setView(get().sort, { ...get().filters, [key]: value }, 'queue/setFilter'),
      setSearch: (search) => setView(get().sort, { ...get().filters, search }, 'queue/setSearch'),
      clearFilters: () => setView(get().sort, NO_FILTERS, 'queue/clearFilters'),
    };
  };
}
