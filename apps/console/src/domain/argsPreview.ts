import type { JsonObject, JsonValue } from '@approval-hub/protocol';

export const PREVIEW_LENGTH = 160;

/**
 * One line for a queue row: `key: value, key: value…`, built with a budget so a 50 KB
 * argument costs no more than a short one. The trailing `…` says the preview is cut.
 */
export function previewArgs(args: JsonObject, max = PREVIEW_LENGTH): string {
  let out = '';
  let full = false;

  const push = (piece: string): void => {
    if (full) return;
    if (out.length + piece.length > max) {
      out += piece.slice(0, max - out.length);
      full = true;
    } else {
      out += piece;
    }
  };

  const write = (value: JsonValue): void => {
    if (full) return;
    if (value === null || typeof value !== 'object') {
      // JSON.stringify escapes newlines and tabs, keeping the preview on one line.
      push(typeof value === 'string' ? JSON.stringify(value.length > max ? value.slice(0, max) : value) : String(value));
      return;
    }
    if (Array.isArray(value)) {
      push('[');
      for (let i = 0; i < value.length && !full; i++) {
        if (i > 0) push(', ');
        write(value[i] ?? null);
      }
      push(']');
      return;
    }
    push('{');
    let first = true;
    for (const key in value) {
      if (full) break;
      if (!first) push(', ');
      first = false;
      push(`${key}: `);
      write(value[key] ?? null);
    }
    push('}');
  };

  let first = true;
  for (const key in args) {
    if (full) break;
    if (!first) push(', ');
    first = false;
    push(`${key}: `);
    write(args[key] ?? null);
  }
  if (first) return '(no arguments)';
  return full ? `${out}…` : out;
}
