import { z } from 'zod';

const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LINE_BREAKS_AND_CONTROL = /[\u0000-\u001F\u007F]/;

/** Free text up to `max` characters: well-formed Unicode, no control characters except newlines and tabs. */
export function text(max: number) {
  return z
    .string()
    .max(max)
    .refine((s) => s.isWellFormed(), 'must be well-formed Unicode')
    .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters');
}

/** A short non-empty single-line label (agent names, run ids). */
export function label(max: number) {
  return z
    .string()
    .min(1, 'must not be empty')
    .max(max)
    .refine((s) => s.isWellFormed(), 'must be well-formed Unicode')
    .refine((s) => !LINE_BREAKS_AND_CONTROL.test(s), 'must be a single line without control characters');
}

/** Client-made identifiers: letters, digits and `._:-`, so they are safe in URLs and logs. */
export const Identifier = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and ._:- only');

export const ToolName = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:/-]+$/, 'letters, digits and _.:/- only');

export const QueueName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits and _.- only, starting with a letter or digit');

export const IsoTime = z.iso.datetime({ offset: true });
