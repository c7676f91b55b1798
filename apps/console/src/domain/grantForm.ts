import { type ApprovalRecord, type ArgMatcherInput, type GrantInput, type GrantMatchInput, literalText } from '@approval-hub/protocol';

/**
 * How far one argument is widened in the "allow similar" form. `exact` (the default) is the request's own value,
 * literally; a pattern is only ever what the reviewer typed (it starts empty, never as the agent's text).
 */
export type ArgScope = { kind: 'exact' } | { kind: 'any' } | { kind: 'glob'; pattern: string } | { kind: 'range'; gte: string; lte: string };

/** The end user: the request's own (literally), anyone, or a pattern the reviewer types. */
export type UserScope = { kind: 'exact' } | { kind: 'anyone' } | { kind: 'pattern'; pattern: string };

/** Challenge actions or resources: the request's own (literally), or patterns the reviewer types (comma-separated). */
export type ListScope = { kind: 'exact' } | { kind: 'pattern'; text: string };

export interface GrantFormState {
  readonly args: Readonly<Record<string, ArgScope>>;
  readonly anyAgent: boolean;
  readonly onBehalfOf: UserScope;
  /** Match on the request's challenges (actions and resources) instead of its arguments. */
  readonly byChallenges: boolean;
  readonly actions: ListScope;
  readonly resources: ListScope;
  readonly ttlMs: number;
  /** Empty: unlimited. */
  readonly maxUses: string;
}

export const TTL_CHOICES: readonly { ms: number; label: string }[] = [
  { ms: 900_000, label: '15 minutes' },
  { ms: 3_600_000, label: '1 hour' },
  { ms: 28_800_000, label: '8 hours' },
  { ms: 86_400_000, label: '24 hours' },
];

export function initialGrantForm(record: ApprovalRecord): GrantFormState {
  return {
    args: Object.fromEntries(Object.keys(record.args).map((key) => [key, { kind: 'exact' } as ArgScope])),
    anyAgent: false,
    onBehalfOf: { kind: 'exact' },
    byChallenges: false,
    actions: { kind: 'exact' },
    resources: { kind: 'exact' },
    ttlMs: 3_600_000,
    maxUses: '',
  };
}

/** The request's own challenge actions and resources, each once. */
export function ownChallenges(record: ApprovalRecord): { actions: string[]; resources: string[] } {
  const own = record.challenges ?? [];
  return { actions: [...new Set(own.flatMap((c) => c.actions))], resources: [...new Set(own.flatMap((c) => c.resources))] };
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function matcherOf(scope: ArgScope): ArgMatcherInput | null {
  switch (scope.kind) {
    case 'exact':
      return null; // the hub's default: the request's own value, literally
    case 'any':
      return { any: true };
    case 'glob':
      return scope.pattern.trim() === '' ? null : { glob: scope.pattern.trim() };
    case 'range': {
      const gte = scope.gte.trim() === '' ? undefined : Number(scope.gte);
      const lte = scope.lte.trim() === '' ? undefined : Number(scope.lte);
      // An empty range keeps the request's own value.
      if ((gte === undefined || Number.isNaN(gte)) && (lte === undefined || Number.isNaN(lte))) return null;
      return { ...(gte !== undefined && !Number.isNaN(gte) && { gte }), ...(lte !== undefined && !Number.isNaN(lte) && { lte }) };
    }
  }
}

/** Fields of the grant's match that keep the request's own text, which must match literally (a `*` in it is a character). */
export type LiteralField = 'agent' | 'toolName' | 'onBehalfOf' | 'actions' | 'resources';

export interface GrantFormResult {
  /** The `grant` field to send: only what differs from the hub's defaults (the request's own values, literally). */
  readonly grant: GrantInput;
  /** Why it cannot be sent as it is, or null. */
  readonly problem: string | null;
  /** The match fields that are the request's own text, for the preview. */
  readonly literal: ReadonlySet<LiteralField>;
}

/** The grant the form asks for, with what stands in the way of sending it. */
export function grantInputOf(form: GrantFormState, record: ApprovalRecord): GrantFormResult {
  const match: GrantMatchInput = {};
  const literal = new Set<LiteralField>(['toolName']);
  const problems: string[] = [];
  if (form.anyAgent) match.agent = '*';
  else literal.add('agent');
  if (form.onBehalfOf.kind === 'anyone') match.onBehalfOf = '*';
  else if (form.onBehalfOf.kind === 'pattern') {
    const pattern = form.onBehalfOf.pattern.trim();
    if (pattern === '') problems.push('type the pattern for the end user');
    else match.onBehalfOf = pattern;
  } else literal.add('onBehalfOf');

  const args: Record<string, ArgMatcherInput> = {};
  for (const [key, scope] of Object.entries(form.args)) {
    if (scope.kind === 'glob' && scope.pattern.trim() === '') problems.push(`type the pattern for ${key}`);
    const matcher = matcherOf(scope);
    if (matcher !== null) args[key] = matcher;
  }
  if (form.byChallenges) {
    const own = ownChallenges(record);
    for (const [field, scope] of [
      ['actions', form.actions],
      ['resources', form.resources],
    ] as const) {
      if (scope.kind === 'pattern') {
        const patterns = list(scope.text);
        if (patterns.length === 0 && field === 'actions') problems.push('type at least one action pattern');
        match[field] = patterns;
      } else {
        // The request's own text: a `*` the agent wrote is sent as `{ equals }`, a character, never a wildcard.
        match[field] = own[field].map(literalText);
        literal.add(field);
      }
    }
  } else if (Object.keys(args).length > 0) match.args = args;
  const maxUses = Number.parseInt(form.maxUses, 10);
  const grant: GrantInput = {
    ...(Object.keys(match).length > 0 && { match }),
    ttlMs: form.ttlMs,
    ...(Number.isInteger(maxUses) && maxUses > 0 && { maxUses }),
  };
  return { grant, problem: problems.length > 0 ? `Not yet: ${problems.join('; ')}.` : null, literal };
}
