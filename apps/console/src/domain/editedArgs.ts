import { type JsonObject, ToolArgs, isPlainObject } from '@approval-hub/protocol';

export type EditCheck =
  | { readonly ok: true; readonly args: JsonObject; readonly pretty: string }
  | { readonly ok: false; readonly message: string };

export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/**
 * Parses and checks the editor's text. `pretty` is the parsed value printed again: the diff shows
 * that, so what the reviewer sees is exactly what the agent will receive (duplicate keys, number
 * precision and the like are visible there, not hidden in the raw text).
 */
export function checkEditedArgs(text: string): EditCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `Not valid JSON: ${error instanceof Error ? error.message : 'parse error'}` };
  }
  if (!isPlainObject(value)) return { ok: false, message: 'The arguments must be a JSON object, like { "key": "value" }.' };
  const checked = ToolArgs.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    return { ok: false, message: `Not allowed${where}: ${issue?.message ?? 'invalid arguments'}` };
  }
  return { ok: true, args: value as JsonObject, pretty: prettyJson(value) };
}
