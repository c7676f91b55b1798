import { fail, type ErrorInfo } from '@approval-hub/protocol';
import { z } from 'zod';

/** An `invalid_payload` error that says what was wrong and where, with zod's flattened issues as details. */
export function invalidPayload(what: string, error: z.ZodError): { ok: false; error: ErrorInfo } {
  const first = error.issues[0];
  const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  return fail('invalid_payload', `Invalid ${what}: ${where}${first?.message ?? 'malformed'}`, z.flattenError(error));
}

/** The size of a payload as it came over the wire (close enough for a limit). */
export function payloadBytes(payload: unknown): number {
  if (payload === undefined) return 0;
  try {
    return Buffer.byteLength(JSON.stringify(payload) ?? '');
  } catch {
    // Input parsed from JSON only fails to serialise when nested thousands of levels deep (the stack runs out).
    // Its size is already bounded by the transport, and every schema refuses such nesting as invalid_payload.
    return 0;
  }
}
