import { z } from 'zod';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Nesting deeper than this is refused: it protects the hub, the database and every reviewer's browser. */
export const MAX_JSON_DEPTH = 64;

/** Keys that could pollute prototypes in a consumer that merges objects naively. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export interface JsonProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Finds the first thing in `value` that is not plain JSON: binary, functions, non-finite numbers,
 * strings that are not well-formed Unicode, prototype keys, or nesting beyond MAX_JSON_DEPTH.
 */
export function findJsonProblem(value: unknown, path: (string | number)[] = [], depth = 0): JsonProblem | null {
  if (depth > MAX_JSON_DEPTH) return { path, message: `nesting deeper than ${MAX_JSON_DEPTH} levels` };
  switch (typeof value) {
    case 'string':
      return value.isWellFormed() ? null : { path, message: 'string is not well-formed Unicode (lone surrogate)' };
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : { path, message: 'number must be finite' };
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const problem = findJsonProblem(value[i], [...path, i], depth + 1);
          if (problem) return problem;
        }
        return null;
      }
      if (!isPlainObject(value)) return { path, message: 'only plain JSON objects are allowed (no binary or class instances)' };
      for (const key of Object.keys(value)) {
        if (FORBIDDEN_KEYS.has(key)) return { path: [...path, key], message: `key "${key}" is not allowed` };
        if (!key.isWellFormed()) return { path, message: 'object key is not well-formed Unicode' };
        const problem = findJsonProblem(value[key], [...path, key], depth + 1);
        if (problem) return problem;
      }
      return null;
    }
    default:
      return { path, message: `${typeof value} is not a JSON value` };
  }
}

/** A tool call's arguments: a plain JSON object, checked all the way down. */
export const ToolArgs = z
  .custom<JsonObject>((value) => isPlainObject(value), { message: 'args must be a JSON object' })
  .superRefine((value, ctx) => {
    const problem = findJsonProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
  });
export type ToolArgs = z.infer<typeof ToolArgs>;

/** Any JSON value, checked the same way (used for audit data). */
export const JsonData = z.unknown().superRefine((value, ctx) => {
  const problem = findJsonProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
});
