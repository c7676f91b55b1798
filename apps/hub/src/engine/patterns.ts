import type { ArgMatcher, JsonValue } from '@approval-hub/protocol';
import { canonicalJson } from '../audit/canonical-json.js';

/**
 * `*` patterns (grants, quorum and escalation rules): `*` is any run of characters, `/` and `:` included, as in ADK's
 * `tool:list_directory:*`. Path-glob libraries stop `*` at `/`, which is not what these patterns mean.
 */
export function matchesPattern(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*');
  const first = parts[0]!;
  const last = parts.at(-1)!;
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  // Greedy left to right over the middle parts: leftmost matches leave the most room for the rest.
  let at = first.length;
  const end = value.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = value.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** Whether one argument (undefined = absent) satisfies a matcher. */
export function matchesArg(matcher: ArgMatcher, value: JsonValue | undefined): boolean {
  if ('any' in matcher) return true;
  if (value === undefined) return false;
  if ('equals' in matcher) return canonicalJson(matcher.equals) === canonicalJson(value);
  if ('glob' in matcher) return typeof value === 'string' && matchesPattern(matcher.glob, value);
  return typeof value === 'number' && (matcher.gte === undefined || value >= matcher.gte) && (matcher.lte === undefined || value <= matcher.lte);
}

/** Every matcher holds for `args` (extra arguments are allowed: rules pick out requests, they do not cover them). */
export function matchesSomeArgs(matchers: Record<string, ArgMatcher>, args: Record<string, JsonValue>): boolean {
  return Object.entries(matchers).every(([key, matcher]) => matchesArg(matcher, Object.hasOwn(args, key) ? args[key] : undefined));
}

/** Every matcher holds and every argument has one: what a grant needs before it may decide for a reviewer. */
export function matchesAllArgs(matchers: Record<string, ArgMatcher>, args: Record<string, JsonValue>): boolean {
  return Object.keys(args).every((key) => Object.hasOwn(matchers, key)) && matchesSomeArgs(matchers, args);
}
