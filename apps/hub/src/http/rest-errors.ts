import { httpStatusOf, type ErrorCode, type ErrorInfo } from '@approval-hub/protocol';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The one place the REST error envelope is built: `{ error: { code, message, details? } }` (the protocol's
 * `ErrorBody`), with the HTTP status the closed error code carries (`httpStatusOf`).
 */
export function problem(c: Context, code: ErrorCode, message: string, details?: unknown): Response {
  const error: ErrorInfo = details === undefined ? { code, message } : { code, message, details };
  return c.json({ error }, httpStatusOf[code] as ContentfulStatusCode);
}

/** A refusal as an acked failure would carry it (`fail(...)`), answered through `problem`. */
export const problemOf = (c: Context, error: ErrorInfo): Response => problem(c, error.code, error.message, error.details);

/**
 * Hono's `HTTPException` pattern with a closed error code: throw it anywhere in a handler or middleware and the
 * app's error handler answers it with `problem`. Its status always comes from the code.
 */
export class ApiError extends HTTPException {
  constructor(readonly info: ErrorInfo) {
    super(httpStatusOf[info.code] as ContentfulStatusCode, { message: info.message });
  }

  static of(code: ErrorCode, message: string, details?: unknown): ApiError {
    return new ApiError(details === undefined ? { code, message } : { code, message, details });
  }
}
