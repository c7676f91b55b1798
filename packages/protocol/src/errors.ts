import { z } from 'zod';

/** The closed set of error codes any ack, REST error or connect_error can carry. */
export const ErrorCode = z.enum([
  'invalid_payload',
  'unauthorized',
  'forbidden',
  'not_found',
  'already_decided',
  /** A quorum request this reviewer has already approved: another reviewer must give the next approval. */
  'already_approved_by_you',
  /**
   * The approval named arguments (`argsDigest`) that are not what would run now: another reviewer proposed an edit, or
   * no digest was sent while an edited proposal is pending. `details` holds the current `proposal` and `argsDigest`.
   */
  'proposal_changed',
  'expired',
  'conflict',
  'payload_too_large',
  'rate_limited',
  'quota_exceeded',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorInfo = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;

/** REST error body: `{ error: { code, message, details? } }`. */
export const ErrorBody = z.object({ error: ErrorInfo });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The HTTP status that carries each error class on the REST API. */
export const httpStatusOf: Record<ErrorCode, number> = {
  invalid_payload: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  already_decided: 409,
  already_approved_by_you: 409,
  proposal_changed: 409,
  conflict: 409,
  expired: 410,
  payload_too_large: 413,
  rate_limited: 429,
  quota_exceeded: 429,
  internal: 500,
};

/** `connect_error.data` when the hub refuses a handshake. */
export const ConnectErrorData = z.object({ code: ErrorCode, message: z.string() });
export type ConnectErrorData = z.infer<typeof ConnectErrorData>;
