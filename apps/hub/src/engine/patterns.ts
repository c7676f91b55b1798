import { type TextMatcher, textMatcherMeaning } from '@approval-hub/protocol';

/**
 * Which way a rule moves protection, and so what a value it cannot evaluate does (docs/protocol.md, "What a matcher
 * means"). A protective rule (quorum, escalation, risk raise, deny grant) applies to such a value: an agent must not
 * escape a rule by sending something the rule cannot read. A permissive rule (allow grant) does not match it.
 */
export type RuleEffect = 'protective' | 'permissive';

/** `unknown`: the value cannot be evaluated (absent, of the wrong type, unparseable, a path escape, a list). */
export type Verdict = 'match' | 'no_match' | 'unknown';

export function holds(verdict: Verdict, effect: RuleEffect): boolean {
  return verdict === 'match' || (verdict === 'unknown' && effect === 'protective');
}

/**
 * `*` patterns: `*` is any run of characters, `/` and `:` included, as in ADK's `tool:list_directory:*`. Path-glob
 * libraries stop `*` at `/`, which is not what these patterns mean. This is the bare wildcard, for values the hub
 * itself vouches for (queue names, token names and ids); what an agent sent goes through `textVerdict`.
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

/** A bare pattern, or `{ equals }` (the text itself, `*` included), over a value the hub vouches for. */
export function matchesTrustedText(matcher: TextMatcher, value: string): boolean {
  return typeof matcher === 'string' ? matchesPattern(matcher, value) : matcher.equals === value;
}

const SEPARATOR = /[\\/]/;
const LIST_CHARACTER = /[,;\s]/u;

/** `/tmp/../etc`, `./a`, `a\.\b`: a value whose meaning as a path is not its text. */
function hasDotSegment(value: string): boolean {
  return SEPARATOR.test(value) && value.split(SEPARATOR).some((segment) => segment === '.' || segment === '..');
}

/** `a@x.test, b@example.com`: a separator of a list (`,` `;` whitespace) the pattern itself does not contain. */
function hasListCharacterOutside(pattern: string, value: string): boolean {
  for (const character of value) if (LIST_CHARACTER.test(character) && !pattern.includes(character)) return true;
  return false;
}

const collapseSeparators = (text: string) => text.replace(/\/{2,}/g, '/').replace(/\\{2,}/g, '\\');

/**
 * A text matcher against a value an agent sent. Equal text always matches, and a pattern of only `*` matches any
 * text. Otherwise a value with `.` or `..` path segments, or with a list separator the pattern lacks, cannot be
 * evaluated; nor can one that matches only once repeated `/` or `\` are counted as one (`/etc//passwd` against
 * `/etc/passwd`). So a literal matches exactly its own text, and a protective rule still catches the variants.
 */
export function textVerdict(matcher: TextMatcher, value: string | undefined): Verdict {
  if (value === undefined) return 'unknown';
  const meaning = textMatcherMeaning(matcher);
  if (meaning.kind === 'anything') return 'match';
  const text = meaning.kind === 'pattern' ? meaning.pattern : meaning.text;
  if (text === value) return 'match';
  if (hasDotSegment(value) || hasListCharacterOutside(text, value)) return 'unknown';
  const matches = (expected: string, actual: string) => (meaning.kind === 'pattern' ? matchesPattern(expected, actual) : expected === actual);
  if (matches(text, value)) return 'match';
  return matches(collapseSeparators(text), collapseSeparators(value)) ? 'unknown' : 'no_match';
}

export function matchesText(matcher: TextMatcher, value: string | undefined, effect: RuleEffect): boolean {
  return holds(textVerdict(matcher, value), effect);
}
