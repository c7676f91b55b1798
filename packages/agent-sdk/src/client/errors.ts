import type { ErrorCode, ErrorInfo } from '@approval-hub/protocol';

/** An error the hub answered with (or would have: a payload the SDK refused before sending). */
export class HubError extends Error {
  override readonly name = 'HubError';
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.code = code;
    this.details = details;
  }

  static from(info: ErrorInfo): HubError {
    return new HubError(info.code, info.message, info.details);
  }
}

/** Rejects calls that were waiting when `client.close()` was called, and any made after it. */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';

  constructor() {
    super('The hub client was closed');
  }
}

/** The error a call rejects with when its AbortSignal fires; `cause` is the signal's reason. */
export function abortError(reason: unknown): DOMException {
  const error = new DOMException('The approval request was aborted', 'AbortError');
  Object.defineProperty(error, 'cause', { value: reason, configurable: true });
  return error;
}

/**
 * A waiting call's request was cancelled on the hub by another process using the same agent token (or it was
 * already cancelled when this process asked about it). The tool must not run; nobody decided it.
 */
export class ApprovalCancelledError extends Error {
  override readonly name = 'ApprovalCancelledError';
  readonly requestId: string;
  /** The reason the canceller gave, when the hub passed it on. */
  readonly reason: string | undefined;

  constructor(requestId: string, reason?: string) {
    super(reason === undefined ? `Request ${requestId} was cancelled` : `Request ${requestId} was cancelled: ${reason}`);
    this.requestId = requestId;
    this.reason = reason;
  }
}
