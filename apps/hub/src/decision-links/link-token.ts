import { createHmac, randomBytes } from 'node:crypto';
import { SignJWT, decodeJwt, errors, jwtVerify } from 'jose';
import { z } from 'zod';

/** What a decision link's token carries (signed, not secret: it names nothing the reviewer may not see). */
export const LinkClaims = z.object({
  /** The link's id: what is recorded when it decides (the token itself is never stored). */
  jti: z.string().min(16).max(64),
  /** The reviewer principal the link was sent to. */
  sub: z.string().min(1).max(128),
  /** The request it decides. */
  rid: z.string().min(1).max(128),
  /** SHA-256 of the arguments as shown, i.e. what would run when it was issued (`digestToApprove`). */
  ah: z.string().min(16).max(64),
  /** Where the link was sent, when not handed out directly: the audit names the channel that decided. */
  via: z.enum(['email', 'slack']).optional(),
  /** Expiry, in seconds: never after the request's deadline. */
  exp: z.int(),
  iat: z.int(),
});
export type LinkClaims = z.infer<typeof LinkClaims>;

const AUDIENCE = 'approval-hub/decision-link';

/**
 * Each reviewer's links are signed with their own key, derived from the hub's link key and the digest of the
 * reviewer's current token: rotating the hub key, or revoking or replacing the reviewer's token, voids every link
 * signed before, with nothing to store or look up.
 */
export function reviewerLinkKey(linkKey: Buffer, reviewerTokenDigest: string): Uint8Array {
  return createHmac('sha256', linkKey).update('approval-hub decision link\n').update(reviewerTokenDigest).digest();
}

export function signLinkToken(claims: Omit<LinkClaims, 'jti'>, key: Uint8Array): Promise<{ token: string; linkId: string }> {
  const linkId = randomBytes(16).toString('base64url');
  const { sub, exp, iat, ...rest } = claims;
  // HS256 via jose (a maintained JOSE implementation): it pins the algorithm on verify and checks exp for us.
  return new SignJWT(rest)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setJti(linkId)
    .setSubject(sub)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key)
    .then((token) => ({ token, linkId }));
}

/** The subject a token names, unverified: only to find whose key verifies it. Null when it is not a JWT at all. */
export function claimedSubject(token: string): string | null {
  try {
    const sub = decodeJwt(token).sub;
    return typeof sub === 'string' ? sub : null;
  } catch {
    return null;
  }
}

export type VerifiedLink = { ok: true; claims: LinkClaims } | { ok: false; reason: 'invalid' | 'expired' };

/** Verifies signature, algorithm, audience and expiry (by the hub's clock). An expired link is told apart only once its signature holds. */
export async function verifyLinkToken(token: string, key: Uint8Array, nowMs: number): Promise<VerifiedLink> {
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], audience: AUDIENCE, currentDate: new Date(nowMs), requiredClaims: ['jti', 'sub', 'exp', 'iat'] });
    const claims = LinkClaims.safeParse(payload);
    return claims.success ? { ok: true, claims: claims.data } : { ok: false, reason: 'invalid' };
  } catch (error) {
    return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
}
