/**
 * JSON with object keys sorted, so equal values always give equal text (for hashes and comparisons). Object members
 * whose value is `undefined` are left out; anything else JSON cannot say (`undefined` in an array, a function) reads
 * `null`. Built with plain loops and one string: it runs several times per request (the request hash, the arguments'
 * digest, every audit row's hash), and the map/filter/join version cost a visible share of the hub's CPU.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // A hole (never in parsed JSON) stays empty, as Array.prototype.join wrote it.
      if (i in value) out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = object[key];
    if (member === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}
