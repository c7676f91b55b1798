import type { ArgMatcher, JsonValue } from '@approval-hub/protocol';
import { canonicalJson } from '../audit/canonical-json.js';
import { holds, type RuleEffect, textVerdict, type Verdict } from './patterns.js';

const PLAIN_DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** `"5000"`, `"-1.5"` as numbers; anything else (hex, exponents, `+`, leading zeros, spaces, `""`) is undefined. */
export function strictDecimal(text: string): number | undefined {
  if (!PLAIN_DECIMAL.test(text)) return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}

const jsonType = (value: JsonValue) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/**
 * One argument (undefined = absent) against one matcher. Protective rules read a numeric string as its number;
 * permissive ones compare JSON as sent, type included: a grant shown `50` does not vouch for `"50"`, which a tool
 * may read another way.
 */
export function argVerdict(matcher: ArgMatcher, value: JsonValue | undefined, effect: RuleEffect): Verdict {
  if ('any' in matcher) return 'match';
  if (value === undefined) return 'unknown';
  if ('glob' in matcher) return typeof value === 'string' ? textVerdict(matcher.glob, value) : 'unknown';
  const number = typeof value === 'number' ? value : typeof value === 'string' && effect === 'protective' ? strictDecimal(value) : undefined;
  if ('equals' in matcher) {
    const expected = matcher.equals;
    if (typeof expected === 'string') return typeof value === 'string' ? textVerdict({ equals: expected }, value) : 'unknown';
    if (typeof expected === 'number' && typeof value === 'string') return number === undefined ? 'unknown' : number === expected ? 'match' : 'no_match';
    if (canonicalJson(expected) === canonicalJson(value)) return 'match';
    return jsonType(expected) === jsonType(value) ? 'no_match' : 'unknown';
  }
  if (number === undefined) return 'unknown';
  return (matcher.gte === undefined || number >= matcher.gte) && (matcher.lte === undefined || number <= matcher.lte) ? 'match' : 'no_match';
}

export function matchesArg(matcher: ArgMatcher, value: JsonValue | undefined, effect: RuleEffect): boolean {
  return holds(argVerdict(matcher, value, effect), effect);
}

/** Every matcher holds for `args` (extra arguments are allowed: rules pick out requests, they do not cover them). */
export function matchesSomeArgs(matchers: Record<string, ArgMatcher>, args: Record<string, JsonValue>, effect: RuleEffect): boolean {
  return Object.entries(matchers).every(([key, matcher]) => matchesArg(matcher, Object.hasOwn(args, key) ? args[key] : undefined, effect));
}

/** Every matcher holds and every argument has one: what an allow grant needs before it may decide for a reviewer. */
export function matchesAllArgs(matchers: Record<string, ArgMatcher>, args: Record<string, JsonValue>): boolean {
  return Object.keys(args).every((key) => Object.hasOwn(matchers, key)) && matchesSomeArgs(matchers, args, 'permissive');
}
