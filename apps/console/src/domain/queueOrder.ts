import type { QueueItem } from './queueItem';
import { riskWeight } from './risk';

export const QUEUE_SORTS = ['deadline', 'risk', 'oldest', 'newest'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

export const SORT_LABELS: Record<QueueSort, string> = {
  deadline: 'Deadline',
  risk: 'Highest risk first',
  oldest: 'Oldest first',
  newest: 'Newest first',
};

export type ItemComparator = (a: QueueItem, b: QueueItem) => number;

const byId: ItemComparator = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A strict total order (ties broken by id), so binary search finds one exact place. */
export function comparatorFor(sort: QueueSort): ItemComparator {
  switch (sort) {
    case 'deadline':
      return (a, b) => a.expiresMs - b.expiresMs || a.createdMs - b.createdMs || byId(a, b);
    case 'risk':
      return (a, b) => riskWeight(b.record) - riskWeight(a.record) || a.expiresMs - b.expiresMs || byId(a, b);
    case 'oldest':
      return (a, b) => a.createdMs - b.createdMs || a.expiresMs - b.expiresMs || byId(a, b);
    case 'newest':
      return (a, b) => b.createdMs - a.createdMs || a.expiresMs - b.expiresMs || byId(a, b);
  }
}

/** Inserts `item.id` into the sorted `ids` (mutates `ids`). `lookup` resolves ids already there. */
export function insertSorted(
  ids: string[],
  item: QueueItem,
  lookup: (id: string) => QueueItem | undefined,
  compare: ItemComparator,
): void {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const other = lookup(ids[mid] as string);
    if (other && compare(other, item) < 0) lo = mid + 1;
    else hi = mid;
  }
  ids.splice(lo, 0, item.id);
}
