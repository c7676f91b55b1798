import { type ArgMatcher, type Grant, type GrantMatch, type JsonValue, type TextMatcher, textMatcherMeaning } from '@approval-hub/protocol';
import type { LiteralField } from './grantForm';

const quote = (value: JsonValue): string => (typeof value === 'string' ? `“${value}”` : JSON.stringify(value));

/** One argument's matcher in words: `path matches “/tmp/*”`, `amount ≤ 100`, `mode is anything`. */
export function describeArgMatcher(name: string, matcher: ArgMatcher): string {
  if ('any' in matcher) return `${name} is anything`;
  if ('equals' in matcher) return `${name} is ${quote(matcher.equals)}`;
  if ('glob' in matcher) return `${name} matches ${quote(matcher.glob)}`;
  if (matcher.gte !== undefined && matcher.lte !== undefined) return `${name} is between ${matcher.gte} and ${matcher.lte}`;
  return matcher.gte !== undefined ? `${name} ≥ ${matcher.gte}` : `${name} ≤ ${matcher.lte}`;
}

/**
 * A pattern in words, as the hub reads it (`textMatcherMeaning`). `{ equals }` (stored agent text holding a `*`) and
 * the request's own text (`literal`) are exactly themselves, so a `*` in them never reads as "anything".
 */
function pattern(p: TextMatcher, anything: string, literal: boolean): string {
  const meaning = textMatcherMeaning(p);
  switch (meaning.kind) {
    case 'literal':
      return `exactly “${meaning.text}”`;
    case 'exact':
      return `“${meaning.text}”`;
    case 'anything':
      return literal ? `exactly “${p}”` : anything;
    case 'pattern':
      return literal ? `exactly “${p}”` : `matching “${p}”`;
  }
}

/** A list of patterns (challenge actions or resources), each as written unless it is text taken literally. */
const patterns = (list: readonly TextMatcher[], literal: boolean) =>
  list
    .map((p) => {
      const meaning = textMatcherMeaning(p);
      if (meaning.kind === 'literal') return `exactly “${meaning.text}”`;
      return literal && meaning.kind !== 'exact' ? `exactly “${p}”` : p;
    })
    .join(', ');

/**
 * A grant's match in plain words, for the Grants view and the preview before one is made. `literal` names the fields
 * that hold the request's own text (the preview knows; a stored grant does not say).
 */
export function describeMatch(effect: Grant['effect'], match: GrantMatch, queue: string, literal: ReadonlySet<LiteralField> = new Set()): string {
  const verb = effect === 'allow' ? 'Allow' : 'Deny';
  const anyAgent = textMatcherMeaning(match.agent).kind === 'anything' && !literal.has('agent');
  const who = anyAgent ? 'any agent' : `agent ${pattern(match.agent, 'any agent', literal.has('agent'))}`;
  const user = match.onBehalfOf === null ? '' : ` on behalf of ${pattern(match.onBehalfOf, 'anyone', literal.has('onBehalfOf'))}`;
  const parts = [`${verb} ${pattern(match.toolName, 'any tool', literal.has('toolName'))} by ${who}${user} in queue “${queue}”`];
  if (match.challenges) {
    const resources = match.challenges.resources.length > 0 ? patterns(match.challenges.resources, literal.has('resources')) : 'no resources';
    parts.push(`for actions ${patterns(match.challenges.actions, literal.has('actions'))} on ${resources}`);
  }
  if (match.args) {
    const args = Object.entries(match.args).map(([name, m]) => describeArgMatcher(name, m));
    parts.push(args.length > 0 ? `when ${args.join(', ')}` : 'when called without arguments');
  }
  return parts.join(' ');
}

/** "12 min left", "expired", "used 2 of 5". */
export function describeLifetime(grant: Grant, serverNowMs: number): string {
  const uses = grant.maxUses !== undefined ? `used ${grant.uses} of ${grant.maxUses}` : `used ${grant.uses} ${grant.uses === 1 ? 'time' : 'times'}`;
  if (grant.status === 'revoked') return `${uses}; revoked${grant.revokedBy ? ` by ${grant.revokedBy.name}` : ''}`;
  if (grant.status === 'used_up') return `${uses}; used up`;
  const left = Date.parse(grant.expiresAt) - serverNowMs;
  if (grant.status === 'expired' || left <= 0) return `${uses}; expired`;
  const minutes = Math.ceil(left / 60_000);
  return `${uses}; ${minutes >= 120 ? `${Math.round(minutes / 60)} h` : `${minutes} min`} left`;
}
