import { z } from 'zod';
import { JsonData, type JsonValue } from './json-value.js';
import { Identifier, IsoTime, QueueName, label } from './text.js';

/**
 * Standing grants (ADK's rich approval model): a reviewer's decision that also covers later, similar calls.
 * See docs/protocol.md, "Grants", for the matching rules.
 */

/**
 * A `*`-wildcard pattern: `*` stands for any run of characters (including none); everything else matches itself.
 * Only a reviewer's (or an admin's) explicit choice is a pattern; what an agent sent is stored as a `TextMatcher`
 * literal. See docs/protocol.md, "What a matcher means", for paths, lists and values that cannot be evaluated.
 */
export const Pattern = z.string().min(1).max(512);

/**
 * A text field of a grant's match: a bare string is a `Pattern`; `{ equals: "..." }` is this text exactly, `*`
 * included. The hub writes a request's own value (an agent's `onBehalfOf`, challenge actions and resources) as the
 * bare text when it holds no `*` (the same thing) and as `{ equals }` when it does, so agent text is never a pattern.
 */
export const TextMatcher = z.union([Pattern, z.strictObject({ equals: z.string().min(1).max(1024) })]);
export type TextMatcher = z.infer<typeof TextMatcher>;

/**
 * How one argument of a later call must look for a grant to cover it:
 * - `{ equals: v }` – exactly this JSON value;
 * - `{ glob: "..." }` – a string matching the `*` pattern;
 * - `{ gte?, lte? }` – a number within these bounds (inclusive);
 * - `{ any: true }` – anything, or the argument absent.
 */
export const ArgMatcher = z.union([
  z.strictObject({ equals: JsonData.transform((v) => v as JsonValue) }),
  z.strictObject({ glob: Pattern }),
  z
    .strictObject({ gte: z.number().optional(), lte: z.number().optional() })
    .refine((r) => r.gte !== undefined || r.lte !== undefined, 'a range needs gte, lte or both'),
  z.strictObject({ any: z.literal(true) }),
]);
export type ArgMatcher = z.infer<typeof ArgMatcher>;

/**
 * What a client may write for one argument: a matcher, or a bare value as shorthand. A bare string containing `*` is a
 * glob (the reviewer typed it); any other bare value (string without `*`, number, boolean, null) must be equal. A
 * client that copies an agent's value into a grant should send `{ equals: value }`, which is never a pattern.
 */
export const ArgMatcherInput = z.union([z.string(), z.number(), z.boolean(), z.null(), ArgMatcher]);
export type ArgMatcherInput = z.infer<typeof ArgMatcherInput>;

export const MAX_CHALLENGES = 32;

/** ADK-style challenge: the actions a call performs on the resources it touches (`tool:local_file:read` on `/tmp/a`). */
export const Challenge = z.strictObject({
  actions: z.array(label(256)).min(1).max(32),
  resources: z.array(label(1024)).max(64),
});
export type Challenge = z.infer<typeof Challenge>;

export const GrantEffect = z.enum(['allow', 'deny']);
export type GrantEffect = z.infer<typeof GrantEffect>;

/**
 * The scope a reviewer asks for. Every field left out keeps the decided request's own value: same agent, tool,
 * arguments, end user. `args` widens (or narrows) per argument; `actions`/`resources` match the request's challenges
 * instead of its arguments (then arguments are only checked when `args` is given too).
 */
export const GrantMatchInput = z.strictObject({
  /** `*` pattern on the tool name. */
  toolName: Pattern.optional(),
  /** `*` pattern (or `{ equals }`) on the agent's principal id (from its token). */
  agent: TextMatcher.optional(),
  /** `*` pattern (or `{ equals }`) on the end user the agent acts for; `null` = only requests on behalf of nobody. */
  onBehalfOf: TextMatcher.nullable().optional(),
  args: z.record(z.string().max(256), ArgMatcherInput).optional(),
  actions: z.array(TextMatcher).min(1).max(32).optional(),
  resources: z.array(TextMatcher).max(64).optional(),
});
export type GrantMatchInput = z.infer<typeof GrantMatchInput>;

export const DEFAULT_GRANT_TTL_MS = 3_600_000;

/** Attached to a decision: "and decide calls like this one the same way from now on". */
export const GrantInput = z.strictObject({
  /** Defaults to the decision's own: approve → `allow`, deny → `deny`. */
  effect: GrantEffect.optional(),
  match: GrantMatchInput.optional(),
  /** Defaults to one hour; the hub caps it at `approval.grants.maxTtlMs`. */
  ttlMs: z.int().min(1000).optional(),
  /** How many later calls it may decide; unlimited (until it expires) when absent. */
  maxUses: z.int().min(1).max(1_000_000).optional(),
});
export type GrantInput = z.infer<typeof GrantInput>;

/**
 * A grant's match as stored: every field explicit. A request is covered when its agent, tool and end user match;
 * when `args` is set, every argument the request has must have a matcher here and every matcher must hold; when
 * `challenges` is set, every action and resource of every challenge of the request must match one of its patterns.
 */
export const GrantMatch = z.object({
  agent: TextMatcher,
  /** Always a bare string: tool names cannot hold `*`, so the request's own name is a literal. */
  toolName: Pattern,
  /** null: the request must not name an end user. */
  onBehalfOf: TextMatcher.nullable(),
  args: z.record(z.string(), ArgMatcher).optional(),
  challenges: z.object({ actions: z.array(TextMatcher), resources: z.array(TextMatcher) }).optional(),
});
export type GrantMatch = z.infer<typeof GrantMatch>;

export const GrantStatus = z.enum(['active', 'expired', 'revoked', 'used_up']);
export type GrantStatus = z.infer<typeof GrantStatus>;

export const Grantor = z.object({ id: z.string(), name: z.string() });
export type Grantor = z.infer<typeof Grantor>;

/** A standing grant as the hub keeps it (`GET /api/grants`, `grant.*` events). */
export const Grant = z.object({
  grantId: Identifier,
  effect: GrantEffect,
  /** It only ever covers requests in this queue: the one of the request it was made on. */
  queue: QueueName,
  match: GrantMatch,
  grantedBy: Grantor,
  /** The decision it came with. */
  fromRequestId: Identifier,
  createdAt: IsoTime,
  expiresAt: IsoTime,
  maxUses: z.int().optional(),
  uses: z.int(),
  status: GrantStatus,
  revokedAt: IsoTime.optional(),
  revokedBy: Grantor.optional(),
});
export type Grant = z.infer<typeof Grant>;

const Limit = z.coerce.number().int().min(1).max(500).default(50);

/** `GET /api/grants` query. `status` may list several, comma-separated. */
export const GrantListQuery = z.strictObject({
  status: z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(GrantStatus).min(1))
    .optional(),
  queue: QueueName.optional(),
  toolName: z.string().max(128).optional(),
  /** The granting reviewer's id. */
  grantedBy: z.string().max(128).optional(),
  fromRequestId: Identifier.optional(),
  limit: Limit,
  cursor: z.string().max(200).regex(/^[A-Za-z0-9_-]+$/, 'not a cursor from this API').optional(),
});
export type GrantListQuery = z.infer<typeof GrantListQuery>;
