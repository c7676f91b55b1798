import { z } from 'zod';
import { ErrorInfo, type ErrorCode } from './errors.js';

/** Every Socket.IO ack: `{ ok: true, data } | { ok: false, error }`. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorInfo };
export type AckCallback<T> = (response: Ack<T>) => void;

/** Builds the zod schema of an ack whose success data is `data`. */
export function ackSchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: ErrorInfo }),
  ]);
}

export function ok<T>(data: T): Ack<T> {
  return { ok: true, data };
}

export function fail(code: ErrorCode, message: string, details?: unknown): { ok: false; error: ErrorInfo } {
  return details === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message, details } };
}
