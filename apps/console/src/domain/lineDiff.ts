export interface DiffLine {
  readonly kind: 'same' | 'added' | 'removed';
  readonly text: string;
}

/** Above this many cells the middle is shown as removed-then-added instead of aligned (keeps the editor responsive). */
const MAX_LCS_CELLS = 4_000_000;

/** A line diff of `before` against `after` (longest common subsequence, common ends trimmed first). */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endA = before.length;
  let endB = after.length;
  while (endA > start && endB > start && before[endA - 1] === after[endB - 1]) {
    endA--;
    endB--;
  }
  const head: DiffLine[] = before.slice(0, start).map((text) => ({ kind: 'same', text }));
  const tail: DiffLine[] = before.slice(endA).map((text) => ({ kind: 'same', text }));
  const a = before.slice(start, endA);
  const b = after.slice(start, endB);
  return [...head, ...diffMiddle(a, b), ...tail];
}

function diffMiddle(a: readonly string[], b: readonly string[]): DiffLine[] {
  const removed = (text: string): DiffLine => ({ kind: 'removed', text });
  const added = (text: string): DiffLine => ({ kind: 'added', text });
  if (a.length === 0 || b.length === 0 || a.length * b.length > MAX_LCS_CELLS) return [...a.map(removed), ...b.map(added)];

  const n = a.length;
  const m = b.length;
  // lengths[i][j] = LCS of a[i..] and b[j..], in one flat array.
  const lengths = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => lengths[i * (m + 1) + j] as number;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * (m + 1) + j] = a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i] as string });
      i++;
      j++;
    } else if (at(i + 1, j) >= at(i, j + 1)) out.push(removed(a[i++] as string));
    else out.push(added(b[j++] as string));
  }
  while (i < n) out.push(removed(a[i++] as string));
  while (j < m) out.push(added(b[j++] as string));
  return out;
}
