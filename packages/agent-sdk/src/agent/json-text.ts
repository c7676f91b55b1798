/** JSON with object keys sorted, so equal values give equal text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function sameJson(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

/** A tool's return value as text for the model. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'Done.';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // Circular structures and BigInts do not serialize.
    return String(value);
  }
}
