import fc from 'fast-check';
import { expect, it } from 'vitest';
import { canonicalJson } from '../src/audit/canonical-json.js';

/**
 * The definition canonicalJson had before it was rewritten with loops for speed. Audit rows already written were
 * hashed with it, so the text must stay the same, character for character, for every value.
 */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${reference((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

it('writes the same text as its reference definition, for any JSON and for undefined members', () => {
  const value = fc.anything({ maxDepth: 4, withNullPrototype: true, withSparseArray: true, withObjectString: true, withBoxedValues: true });
  fc.assert(
    fc.property(value, (v) => {
      expect(canonicalJson(v)).toBe(reference(v));
    }),
    { numRuns: 2000 },
  );
  for (const v of [undefined, [undefined, 1], { a: undefined, b: [] }, { b: 1, a: { d: null, c: 'é"\n' } }, Object.assign(new Array(2), { 1: 2 }), -0, 1e21, 'x']) {
    expect(canonicalJson(v)).toBe(reference(v));
  }
});
