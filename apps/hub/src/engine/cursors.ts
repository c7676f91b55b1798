import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/**
 * Page cursors are opaque: a store position sealed with AES-256-GCM under a key kept with the data, so they survive
 * restarts, cannot be forged, and tell a client nothing (a bare row number would count other queues' requests).
 */
export class CursorCodec {
  readonly #key: Buffer;

  constructor(secret: Buffer) {
    this.#key = createHash('sha256').update('approval-hub cursors\n').update(secret).digest();
  }

  encode(kind: string, position: unknown): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(kind));
    const body = Buffer.concat([cipher.update(JSON.stringify(position)), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  decode<T>(kind: string, cursor: string, check: (value: unknown) => value is T): T {
    const bytes = Buffer.from(cursor, 'base64url');
    if (bytes.length < 29) throw new InvalidCursorError('cursor is not one this API returned');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(kind));
      decipher.setAuthTag(bytes.subarray(12, 28));
      const value = JSON.parse(Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString()) as unknown;
      if (check(value)) return value;
    } catch {
      // Falls through to the same answer: a forged, truncated or foreign cursor.
    }
    throw new InvalidCursorError('cursor is not one this API returned');
  }
}

export const isPosition = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
export const isDeadlinePosition = (value: unknown): value is { expiresAt: number; position: number } =>
  typeof value === 'object' && value !== null && Number.isSafeInteger((value as { expiresAt?: unknown }).expiresAt) && isPosition((value as { position?: unknown }).position);
