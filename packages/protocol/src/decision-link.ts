import { z } from 'zod';
import { ApprovalRecord, ArgsDigest, MAX_REASON_LENGTH } from './approval.js';
import { IsoTime, text } from './text.js';

/**
 * A signed, single-use decision link's token: the last segment of `<publicUrl>/d/<token>` and of
 * `/api/decision-links/<token>`. Three base64url parts (a JWS in compact form); its contents are the hub's business.
 */
export const DecisionLinkToken = z
  .string()
  .min(16)
  .max(2048)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'not a decision link');
export type DecisionLinkToken = z.infer<typeof DecisionLinkToken>;

/**
 * What a decision link can still do, as `GET /api/decision-links/:token` reports it:
 * - `open`: the request is pending and this link may decide it;
 * - `used`: this link already decided the request (a link decides once);
 * - `decided_elsewhere`: the request left pending another way (another reviewer, a policy, its deadline, a cancel);
 * - `args_changed`: since the link was sent, a reviewer proposed edited arguments (`record.proposal`): what would run
 *   is not what the link's message showed. The link can still decide, but an approval must name the proposal's
 *   `argsDigest` (the page shows the proposal, its diff and who proposed it); without one it is refused
 *   (`proposal_changed`).
 */
export const DecisionLinkState = z.enum(['open', 'used', 'decided_elsewhere', 'args_changed']);
export type DecisionLinkState = z.infer<typeof DecisionLinkState>;

/** `GET /api/decision-links/:token`: the request as the link's reviewer may see it, and whether the link still decides. */
export const DecisionLinkView = z.object({
  /** The request; `decision` is present once it was decided (by this link or elsewhere). */
  record: ApprovalRecord,
  state: DecisionLinkState,
  /** True when `state` is `open` or `args_changed`: a POST can decide. */
  usable: z.boolean(),
  /** The reviewer the link was sent to: the decision is made in their name. */
  reviewer: z.object({ id: z.string(), name: z.string() }),
  /** When the link stops working (never after the request's deadline). */
  linkExpiresAt: IsoTime,
  /** The hub's clock, for countdowns. */
  serverTime: IsoTime,
});
export type DecisionLinkView = z.infer<typeof DecisionLinkView>;

/** `POST /api/decision-links/:token` body: approve or deny, with an optional reason. A link cannot edit arguments. */
export const DecisionLinkBody = z.strictObject({
  approved: z.boolean(),
  reason: text(MAX_REASON_LENGTH).optional(),
  /**
   * The digest of the arguments the page showed (`digestToApprove(view.record)`). Without it, the digest signed into
   * the link counts; either must name what would run now, or the approval is refused (`proposal_changed`).
   */
  argsDigest: ArgsDigest.optional(),
  /** The tool name as the reviewer typed it: required to approve a `critical` request (else `invalid_payload`). */
  confirmToolName: z.string().max(256).optional(),
});
export type DecisionLinkBody = z.infer<typeof DecisionLinkBody>;
