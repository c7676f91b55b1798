/** Opaque page cursors: a row position, base64url so it survives any URL. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`s${seq}`).toString('base64url');
}

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = /^s(\d{1,15})$/.exec(text);
  if (!match) throw new InvalidCursorError('cursor is not one this API returned');
  return Number(match[1]);
}
