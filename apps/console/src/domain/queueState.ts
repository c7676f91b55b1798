import type { ApprovalRecord } from '@approval-hub/protocol';
import { type FacetKey, type QueueFilters, facetValue, matcherFor } from './queueFilter';
import { type QueueItem, toQueueItem } from './queueItem';
import { type QueueSort, comparatorFor, insertSorted } from './queueOrder';
import type { RecentIds } from './recentIds';

/** Counts of pending requests per queue, agent and tool: the filter menus. */
export type Facets = Readonly<Record<FacetKey, Readonly<Record<string, number>>>>;

export const EMPTY_FACETS: Facets = { queue: {}, agent: {}, tool: {}, risk: {} };

/**
 * What the hub pushes on `/reviewer`, in arrival order. `updated`: a pending request changed in place (an approval
 * toward its quorum, or an escalation into a queue we see). `left`: it moved to a queue we do not see.
 */
export type QueueEvent =
  | { type: 'request'; record: ApprovalRecord }
  | { type: 'resolved'; record: ApprovalRecord }
  | { type: 'updated'; record: ApprovalRecord }
  | { type: 'left'; requestId: string };

export interface QueueData {
  readonly items: ReadonlyMap<string, QueueItem>;
  /** Ids that pass the filters, in the chosen order: what the list renders. */
  readonly visibleIds: readonly string[];
  readonly facets: Facets;
  readonly sort: QueueSort;
  readonly filters: QueueFilters;
}

export interface Departure {
  readonly item: QueueItem;
  /** The decided record from the hub; null when it simply was not in a new snapshot. */
  readonly outcome: ApprovalRecord | null;
}

export interface QueueChange {
  readonly data: QueueData;
  readonly added: readonly QueueItem[];
  readonly departed: readonly Departure[];
}

/** Above this many events in one batch, sorting everything again is cheaper than inserting one by one. */
const INCREMENTAL_LIMIT = 64;

export function computeVisible(items: ReadonlyMap<string, QueueItem>, sort: QueueSort, filters: QueueFilters): string[] {
  const matches = matcherFor(filters);
  const list: QueueItem[] = [];
  for (const item of items.values()) if (matches(item)) list.push(item);
  list.sort(comparatorFor(sort));
  return list.map((item) => item.id);
}

export function computeFacets(items: ReadonlyMap<string, QueueItem>): Facets {
  const facets = { queue: {} as Record<string, number>, agent: {} as Record<string, number>, tool: {} as Record<string, number>, risk: {} as Record<string, number> };
  for (const item of items.values()) countInto(facets, item.record, 1);
  return facets;
}

function countInto(facets: Record<FacetKey, Record<string, number>>, record: ApprovalRecord, delta: 1 | -1): void {
  for (const key of ['queue', 'agent', 'tool', 'risk'] as const) {
    const value = facetValue(record, key);
    const next = (facets[key][value] ?? 0) + delta;
    if (next > 0) facets[key][value] = next;
    else delete facets[key][value];
  }
}

/**
 * Applies a batch of pushed events. Rules: a decided id is remembered in `ledger` and never comes back
 * (a late or repeated request event is ignored); a request seen twice is kept once; a resolved event
 * for an id we never had only goes into the ledger.
 */
export function applyQueueEvents(data: QueueData, events: readonly QueueEvent[], ledger: RecentIds): QueueChange {
  let items: Map<string, QueueItem> | null = null;
  const added: QueueItem[] = [];
  const departed: Departure[] = [];
  let replaced = false;
  const current = (id: string) => (items ?? data.items).get(id);

  for (const event of events) {
    if (event.type === 'left') {
      // Still pending, only no longer ours to see: not remembered as decided.
      const item = current(event.requestId);
      if (!item) continue;
      items ??= new Map(data.items);
      items.delete(event.requestId);
      departed.push({ item, outcome: null });
      continue;
    }
    const record = event.record;
    const id = record.requestId;
    if (event.type === 'updated' && record.status === 'pending' && current(id)) {
      // Replaced in place: the selection stays, nothing arrives or departs.
      items ??= new Map(data.items);
      items.set(id, toQueueItem(record));
      replaced = true;
      continue;
    }
    if ((event.type === 'request' || event.type === 'updated') && record.status === 'pending') {
      if (ledger.has(id) || current(id)) continue;
      const item = toQueueItem(record);
      items ??= new Map(data.items);
      items.set(id, item);
      added.push(item);
    } else {
      // A resolved event, or a request event that already carries a decision.
      ledger.add(id);
      const item = current(id);
      if (!item) continue;
      items ??= new Map(data.items);
      items.delete(id);
      departed.push({ item, outcome: record });
    }
  }
  if (!items) return { data, added, departed };
  if (replaced) return { data: { ...data, items, visibleIds: computeVisible(items, data.sort, data.filters), facets: computeFacets(items) }, added, departed };
  return { data: rebuild(data, items, added, departed, events.length > INCREMENTAL_LIMIT), added, departed };
}

export interface Removal {
  readonly id: string;
  /** The decided record when the hub sent one (`already_decided`, a successful ack); null for `expired` / `not_found`. */
  readonly outcome: ApprovalRecord | null;
}

/** Removes requests an ack told us about, remembering them as decided. */
export function removeFromQueue(data: QueueData, removals: readonly Removal[], ledger: RecentIds): QueueChange {
  let items: Map<string, QueueItem> | null = null;
  const departed: Departure[] = [];
  for (const { id, outcome } of removals) {
    ledger.add(id);
    const item = (items ?? data.items).get(id);
    if (!item) continue;
    items ??= new Map(data.items);
    items.delete(id);
    departed.push({ item, outcome });
  }
  if (!items) return { data, added: [], departed };
  return { data: rebuild(data, items, [], departed, false), added: [], departed };
}

/** Replaces the queue with the hub's snapshot, keeping item identity for unchanged records. */
export function replaceWithSnapshot(data: QueueData, pending: readonly ApprovalRecord[], ledger: RecentIds): QueueChange {
  const items = new Map<string, QueueItem>();
  const added: QueueItem[] = [];
  for (const record of pending) {
    if (record.status !== 'pending' || ledger.has(record.requestId)) continue;
    const existing = data.items.get(record.requestId);
    const item = existing ?? toQueueItem(record);
    if (!existing) added.push(item);
    items.set(record.requestId, item);
  }
  const departed: Departure[] = [];
  for (const [id, item] of data.items) if (!items.has(id)) departed.push({ item, outcome: null });
  return {
    data: { ...data, items, visibleIds: computeVisible(items, data.sort, data.filters), facets: computeFacets(items) },
    added,
    departed,
  };
}

function rebuild(data: QueueData, items: Map<string, QueueItem>, added: readonly QueueItem[], departed: readonly Departure[], bulk: boolean): QueueData {
  const facets = { queue: { ...data.facets.queue }, agent: { ...data.facets.agent }, tool: { ...data.facets.tool }, risk: { ...data.facets.risk } };
  for (const item of added) countInto(facets, item.record, 1);
  for (const { item } of departed) countInto(facets, item.record, -1);

  if (bulk) return { ...data, items, facets, visibleIds: computeVisible(items, data.sort, data.filters) };

  const gone = new Set(departed.map((d) => d.item.id));
  const visible = gone.size > 0 ? data.visibleIds.filter((id) => !gone.has(id)) : data.visibleIds.slice();
  const matches = matcherFor(data.filters);
  const compare = comparatorFor(data.sort);
  const lookup = (id: string) => items.get(id);
  for (const item of added) {
    // An id added and removed in the same batch is no longer in `items`.
    if (items.get(item.id) === item && matches(item)) insertSorted(visible, item, lookup, compare);
  }
  return { ...data, items, facets, visibleIds: visible };
}

export function withView(data: QueueData, sort: QueueSort, filters: QueueFilters): QueueData {
  return { ...data, sort, filters, visibleIds: computeVisible(data.items, sort, filters) };
}

/**
 * Where the selection goes when the selected request leaves: the nearest request after it in the
 * order the reviewer was looking at, else the nearest before it, else none.
 */
export function selectionAfter(
  selectedId: string | null,
  previousVisible: readonly string[],
  nextItems: ReadonlyMap<string, QueueItem>,
  nextVisible: readonly string[],
): string | null {
  if (selectedId === null || nextItems.has(selectedId)) return selectedId;
  const index = previousVisible.indexOf(selectedId);
  if (index < 0) return null;
  const stillVisible = new Set(nextVisible);
  for (let i = index + 1; i < previousVisible.length; i++) {
    const id = previousVisible[i] as string;
    if (stillVisible.has(id)) return id;
  }
  for (let i = index - 1; i >= 0; i--) {
    const id = previousVisible[i] as string;
    if (stillVisible.has(id)) return id;
  }
  return nextVisible[Math.min(index, nextVisible.length - 1)] ?? null;
}
