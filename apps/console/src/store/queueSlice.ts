import type { QueueSnapshot } from '@approval-hub/protocol';
import { describeAgent } from '../domain/agentIdentity';
import { describeOutcome } from '../domain/decidedBy';
import { serverOffsetFrom } from '../domain/expiry';
import { type FacetKey, type QueueFilters, NO_FILTERS } from '../domain/queueFilter';
import type { QueueItem } from '../domain/queueItem';
import type { QueueSort } from '../domain/queueOrder';
import {
  type Departure,
  type Facets,
  type QueueData,
  type QueueEvent,
  EMPTY_FACETS,
  applyQueueEvents,
  replaceWithSnapshot,
  withView,
} from '../domain/queueState';
import { proposalOf, proposerName } from '../domain/proposal';
import type { NoticeTone } from './noticeSlice';
import { digestOf } from './reviewSlice';
import { selectionPatch } from './selectionSlice';
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
   * Replaces the whole queue with the hub's snapshot (after every connect and reconnect), then applies
   * `after`, the events pushed while it was being read, in the same update.
   */
  applySnapshot(snapshot: QueueSnapshot, timing: SnapshotTiming, after?: readonly QueueEvent[]): void;
  /** Applies one frame's worth of pushed `approval.request` / `approval.resolved` events. */
  applyEvents(events: readonly QueueEvent[]): void;
  setSort(sort: QueueSort): void;
  setFilter(key: FacetKey, value: string | null): void;
  setSearch(search: string): void;
  clearFilters(): void;
}

/** What would run of the request on screen changed (another reviewer proposed an edit): say so, it needs a new look. */
function proposalChangeNotice(before: ConsoleState, after: ConsoleState): string | null {
  const id = after.selectedId;
  if (id === null || id !== before.selectedId) return null;
  const was = before.items.get(id)?.record;
  const now = after.items.get(id)?.record;
  if (!was || !now || digestOf(was) === digestOf(now)) return null;
  const proposal = proposalOf(now);
  if (proposal?.proposedBy && proposal.proposedBy.id === after.principal?.id) return null;
  if (!proposal) return `The edit proposed for ${now.toolName} was withdrawn: the agent’s own arguments would run. Look again before deciding.`;
  return `${proposerName(proposal, after.principal?.id ?? null)} proposed edited arguments for ${now.toolName}: they would run instead. Look at them before deciding.`;
}

export function queueDataOf(state: ConsoleState): QueueData {
  return { items: state.items, visibleIds: state.visibleIds, facets: state.facets, sort: state.sort, filters: state.filters };
}

/** More than this many departures in one batch are summed up in one notice. */
const NOTICE_BURST = 3;

function departureNotices(state: ConsoleState, departed: readonly Departure[]): Array<[NoticeTone, string]> {
  const myId = state.principal?.id ?? null;
  // A request with our own decision in flight is reported by the ack, not here.
  const shown = departed.filter((d) => d.outcome !== null && state.decisions[d.item.id]?.phase !== 'sending');
  if (shown.length === 0) return [];
  if (shown.length > NOTICE_BURST) return [['info', `${shown.length} requests were decided elsewhere and left the queue.`]];
  return shown.map(({ item, outcome }) => [
    'info',
    `${item.record.toolName} from ${describeAgent(item.record)} was ${outcome ? describeOutcome(outcome, myId) : 'removed'}.`,
  ]);
}

function arrivalsAfter(previous: Arrivals | null, added: readonly QueueItem[]): Arrivals {
  return {
    seq: (previous?.seq ?? 0) + 1,
    count: added.length,
    toolNames: added.slice(0, 3).map((i) => i.record.toolName),
    agents: [...new Set(added.map((i) => i.record.agent.name))].slice(0, 3),
  };
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

      applySnapshot: (snapshot, timing, after = []) => {
        const state = get();
        const replaced = replaceWithSnapshot(queueDataOf(state), snapshot.pending, deps.ledger);
        // Events that arrived while the snapshot was on its way land in the same update, so no one ever
        // sees a request the hub already resolved come back for a moment.
        const later = after.length > 0 ? applyQueueEvents(replaced.data, after, deps.ledger) : null;
        const data = later?.data ?? replaced.data;
        const resync = state.lastSyncedAt !== null;
        set(
          {
            ...data,
            ...selectionPatch(state, data, [...replaced.departed, ...(later?.departed ?? [])], deps.now()),
            ...(later && later.added.length > 0 ? { arrivals: arrivalsAfter(state.arrivals, later.added) } : {}),
            subscribedQueues: snapshot.queues,
            serverOffsetMs: serverOffsetFrom(snapshot.serverTime, timing.sentAt, timing.receivedAt),
            lastSyncedAt: timing.receivedAt,
            connection: 'connected',
          },
          undefined,
          'queue/applySnapshot',
        );
        const left = replaced.departed.length;
        if (resync && left > 0) {
          get().pushNotice('info', `${left} ${left === 1 ? 'request' : 'requests'} left the queue while the connection was down.`);
        }
        for (const [tone, text] of departureNotices(state, later?.departed ?? [])) get().pushNotice(tone, text);
      },

      applyEvents: (events) => {
        if (events.length === 0) return;
        const state = get();
        const change = applyQueueEvents(queueDataOf(state), events, deps.ledger);
        // Nothing changed (an in-place update, a quorum approval, changes `items` without adding or removing).
        if (change.data.items === state.items) return;
        const arrivals = change.added.length > 0 ? arrivalsAfter(state.arrivals, change.added) : state.arrivals;
        set({ ...change.data, ...selectionPatch(state, change.data, change.departed, deps.now()), arrivals }, undefined, 'queue/applyEvents');
        for (const [tone, text] of departureNotices(state, change.departed)) get().pushNotice(tone, text);
        const changed = proposalChangeNotice(state, get());
        if (changed) get().pushNotice('warning', changed);
      },

      setSort: (sort) => setView(sort, get().filters, 'queue/setSort'),
      setFilter: (key, value) => setView(get().sort, { ...get().filters, [key]: value }, 'queue/setFilter'),
      setSearch: (search) => setView(get().sort, { ...get().filters, search }, 'queue/setSearch'),
      clearFilters: () => setView(get().sort, NO_FILTERS, 'queue/clearFilters'),
    };
  };
}
