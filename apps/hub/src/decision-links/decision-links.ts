import { hkdfSync } from 'node:crypto';
import { digestToApprove, ok, fail, type Ack, type ApprovalRecord, type DecisionLinkBody, type DecisionLinkState, type DecisionLinkView, type Principal } from '@approval-hub/protocol';
import { toIso, type Clock } from '../runtime/clock.js';
import type { HubConfig } from '../config.js';
import type { ApprovalEngine } from '../engine/approval-engine.js';
import { argsDigest } from '../engine/args-digest.js';
import { mayDecide, mayDecideQueue, reviewerRoles } from '../engine/access.js';
import { tokenDigest, type PrincipalDirectory } from '../identity/principals.js';
import type { ApprovalStore } from '../store/store.js';
import { openButton, sealButton, type SealedButton } from './button-seal.js';
import { claimedSubject, reviewerLinkKey, signLinkToken, verifyLinkToken, type LinkClaims } from './link-token.js';

export interface IssuedLink {
  /** The bearer credential: put it only in the URL the reviewer receives, never in a log. */
  token: string;
  /** `<publicUrl>/d/<token>`: opens the decision page. */
  url: string;
  expiresAt: string;
}

/** A link that verified: whose it is, what it decides. */
export interface OpenedLink {
  claims: LinkClaims;
  principal: Principal;
}

export type OpenOutcome = { ok: true; link: OpenedLink } | { ok: false; code: 'unauthorized' | 'expired' };

export interface DecisionLinks {
  /**
   * Issues a link for one reviewer to decide one pending request. It expires at the request's deadline (or
   * `ttlMs` from now, if sooner). Throws when the reviewer does not exist, may not decide the request's queue, or
   * the request is no longer pending.
   */
  issue(record: ApprovalRecord, reviewerPrincipalId: string, options?: IssueOptions): Promise<IssuedLink>;
  /** Verifies a token: `unauthorized` when forged, signed with another key or for a revoked reviewer; `expired` after its expiry. */
  open(token: string): Promise<OpenOutcome>;
  /** The request as the link's reviewer may see it, and what the link can still do; `not_found` outside their queues. */
  view(link: OpenedLink): Promise<Ack<DecisionLinkView>>;
  /**
   * Decides through the link, in the engine's one decision path: once (a partial quorum approval spends it too), only
   * on what would run now (the page's `argsDigest`, else the one signed into the link), within the reviewer's queues.
   */
  decide(link: OpenedLink, body: DecisionLinkBody): Promise<Ack<ApprovalRecord>>;
  /** The value a chat button carries for this record: its id and the digest of what the message shows, sealed. */
  sealButton(record: ApprovalRecord): Promise<string>;
  /** A pressed button's sealed value; null when it is not one this hub sealed (then it names no arguments). */
  openButton(value: string): Promise<SealedButton | null>;
}

/**
 * Signs one link, with no checks: `issue` checks the reviewer and the request first. Exported for tests that mint a
 * link for a hub started with a known `decisionLinks.signingKey` (the e2e suite), never a way in by itself: it needs
 * the key and the reviewer's token.
 */
export async function signDecisionLink(input: {
  linkKey: Buffer;
  reviewerToken: string;
  principalId: string;
  /** The request as the link's message shows it: the link names its `proposal` when one is pending, else its `args`. */
  record: Pick<ApprovalRecord, 'requestId' | 'args' | 'proposal'>;
  expiresAtMs: number;
  nowMs: number;
  via?: 'email' | 'slack' | undefined;
}): Promise<{ token: string; expiresAt: string }> {
  // JWT times are whole seconds: round down, so the link never outlives the deadline.
  const exp = Math.floor(input.expiresAtMs / 1000);
  if (exp * 1000 <= input.nowMs) throw new Error(`Request ${input.record.requestId} is due too soon for a decision link`);
  const key = reviewerLinkKey(input.linkKey, tokenDigest(input.reviewerToken));
  const ah = input.record.proposal?.argsDigest ?? argsDigest(input.record.args);
  const claims = { sub: input.principalId, rid: input.record.requestId, ah, exp, iat: Math.floor(input.nowMs / 1000), ...(input.via && { via: input.via }) };
  const { token } = await signLinkToken(claims, key);
  return { token, expiresAt: toIso(exp * 1000) };
}

export interface IssueOptions {
  ttlMs?: number;
  /** The channel that carries the link (an email, a Slack reply): the audit names it when the link decides. */
  via?: 'email' | 'slack';
}

export interface DecisionLinksOptions {
  store: ApprovalStore;
  engine: ApprovalEngine;
  clock: Clock;
  /** Read at every call: a reload's new tokens and keys count at once. */
  config: () => HubConfig;
  principals: () => PrincipalDirectory;
  /** Where the hub listens, for links when `decisionLinks.publicUrl` is not set. */
  listeningUrl: () => string | null;
}

/** The reviewer's current token (config), if the principal id still names a reviewer or admin. */
function reviewerToken(config: HubConfig, principalId: string): string | null {
  const entry = config.tokens.find((t) => (t.id ?? t.name) === principalId && reviewerRoles.includes(t.role));
  return entry?.token ?? null;
}

export function createDecisionLinks(options: DecisionLinksOptions): DecisionLinks {
  const { store, engine, clock } = options;
  let derivedKey: Buffer | null = null;

  /** The configured key, else one derived from the secret the store keeps with the data (made once, survives restarts). */
  const linkKey = async (): Promise<Buffer> => {
    const configured = options.config().decisionLinks.signingKey;
    if (configured !== undefined) return Buffer.from(configured, 'utf8');
    derivedKey ??= Buffer.from(hkdfSync('sha256', await store.secret(), Buffer.alloc(0), 'approval-hub decision links', 32));
    return derivedKey;
  };

  /** Buttons get a key of their own, derived from the link key: a button value is never a link token, nor the reverse. */
  const buttonKey = async (): Promise<Buffer> => Buffer.from(hkdfSync('sha256', await linkKey(), Buffer.alloc(0), 'approval-hub chat buttons', 32));

  const publicUrl = (): string => {
    const base = options.config().decisionLinks.publicUrl ?? options.listeningUrl();
    if (base === null) throw new Error('decision links need decisionLinks.publicUrl, or a hub that is listening');
    return base.replace(/\/+$/, '');
  };

  return {
    async issue(record, reviewerPrincipalId, issueOptions = {}) {
      const token = reviewerToken(options.config(), reviewerPrincipalId);
      const principal = token === null ? null : options.principals().resolve(token);
      if (!token || !principal) throw new Error(`No reviewer "${reviewerPrincipalId}" to issue a decision link to`);
      if (!mayDecideQueue(principal, record.queue)) throw new Error(`Reviewer "${reviewerPrincipalId}" may not decide queue "${record.queue}"`);
      if (record.status !== 'pending') throw new Error(`Request ${record.requestId} is no longer pending`);
      const now = clock.now();
      const deadline = Date.parse(record.expiresAt);
      const expiresMs = issueOptions.ttlMs === undefined ? deadline : Math.min(deadline, now + issueOptions.ttlMs);
      const signed = await signDecisionLink({ linkKey: await linkKey(), reviewerToken: token, principalId: principal.id, record, expiresAtMs: expiresMs, nowMs: now, via: issueOptions.via });
      return { token: signed.token, url: `${publicUrl()}/d/${signed.token}`, expiresAt: signed.expiresAt };
    },

    async open(token) {
      const sub = claimedSubject(token);
      const reviewer = sub === null ? null : reviewerToken(options.config(), sub);
      // A revoked or replaced reviewer token has no key any more: its links read as forged.
      if (reviewer === null) return { ok: false, code: 'unauthorized' };
      const verified = await verifyLinkToken(token, reviewerLinkKey(await linkKey(), tokenDigest(reviewer)), clock.now());
      if (!verified.ok) return { ok: false, code: verified.reason === 'expired' ? 'expired' : 'unauthorized' };
      const principal = options.principals().resolve(reviewer);
      if (!principal || principal.id !== verified.claims.sub || !mayDecide(principal)) return { ok: false, code: 'unauthorized' };
      return { ok: true, link: { claims: verified.claims, principal } };
    },

    async view({ claims, principal }) {
      // The link first: it is spent in the same commit as its decision, so the record read next already shows that decision.
      const used = await store.decisionLinkUsed(claims.jti);
      const record = await engine.visibleRecord(principal, claims.rid);
      if (!record) return fail('not_found', 'No such request visible to you');
      const state: DecisionLinkState = used ? 'used' : record.status !== 'pending' ? 'decided_elsewhere' : digestToApprove(record) !== claims.ah ? 'args_changed' : 'open';
      return ok({
        record,
        state,
        usable: state === 'open' || state === 'args_changed',
        reviewer: { id: principal.id, name: principal.name },
        linkExpiresAt: toIso(claims.exp * 1000),
        serverTime: toIso(clock.now()),
      });
    },

    async decide({ claims, principal }, body) {
      const decision = {
        requestId: claims.rid,
        approved: body.approved,
        ...(body.reason !== undefined && { reason: body.reason }),
        ...(body.argsDigest !== undefined && { argsDigest: body.argsDigest }),
      };
      return engine.decide(principal, decision, {
        channel: claims.via === 'email' ? 'email' : 'decision_link',
        signedArgsDigest: claims.ah,
        confirmToolName: body.confirmToolName,
        linkUse: { linkId: claims.jti, principalId: principal.id, usedAt: toIso(clock.now()) },
      });
    },

    async sealButton(record) {
      return sealButton(await buttonKey(), { requestId: record.requestId, argsDigest: digestToApprove(record) ?? argsDigest(record.args) });
    },

    async openButton(value) {
      return openButton(await buttonKey(), value);
    },
  };
}
