/**
 * Byte budgets for answers that carry records (issue #24): every page, list or batch is cut at
 * `limits.maxPageBytes` and says where to continue. Sizes are those of the JSON sent, so the budget is what
 * crosses the wire (and roughly what the hub holds to build it).
 */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

/**
 * The longest prefix of `items` whose JSON fits in `maxBytes`. Never empty when `items` is not and `atLeastOne` (the
 * default: one record larger than the budget still goes, alone, so a reader always makes progress).
 */
export function fitToBudget<T>(items: readonly T[], maxBytes: number, size: (item: T) => number = jsonBytes, atLeastOne = true): { kept: T[]; cut: boolean } {
  let used = 0;
  let kept = 0;
  for (const item of items) {
    const bytes = size(item);
    if ((kept > 0 || !atLeastOne) && used + bytes > maxBytes) break;
    used += bytes;
    kept++;
  }
  return { kept: items.slice(0, kept), cut: kept < items.length };
}

export interface BudgetedRead<T, P> {
  /** One store page of at most `limit` items after `after` (and where the next page starts). */
  read(after: P | undefined, limit: number): Promise<{ items: T[]; next: P | null }>;
  limit: number;
  after: P | undefined;
  maxBytes: number;
  /** The most one item can weigh: chunks are sized so that a whole chunk always fits the budget left. */
  itemMaxBytes: number;
}

/**
 * Reads a store page that exposes no position per item (only `next` after the last), in chunks that always fit
 * the budget left, so neither the answer nor what the hub holds while building it exceeds `maxBytes` (plus one
 * item). Ends when `limit` items are read, the store has no more, or the budget is spent.
 */
export async function readWithinBudget<T, P>({ read, limit, after, maxBytes, itemMaxBytes }: BudgetedRead<T, P>): Promise<{ items: T[]; next: P | null }> {
  const items: T[] = [];
  let used = 0;
  let cursor = after;
  for (;;) {
    const left = limit - items.length;
    const room = Math.max(1, Math.floor((maxBytes - used) / itemMaxBytes));
    const chunk = await read(cursor, Math.min(left, room));
    for (const item of chunk.items) used += jsonBytes(item);
    items.push(...chunk.items);
    if (chunk.next === null) return { items, next: null };
    const next: P = chunk.next;
    cursor = next;
    if (items.length >= limit || used + itemMaxBytes > maxBytes) return { items, next };
  }
}
