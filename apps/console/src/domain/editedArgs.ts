import { type JsonObject, ToolArgs, displaySegments, isPlainObject, needsEscaping } from '@approval-hub/protocol';

export type EditCheck =
  | { readonly ok: true; readonly args: JsonObject; readonly pretty: string }
  | { readonly ok: false; readonly message: string };

/** `\uXXXX` for each UTF-16 unit (a character beyond the BMP becomes its surrogate pair). */
function jsonEscape(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/**
 * Pretty JSON in which bidi controls and invisible characters are written as `\u` escapes: the same value, but a
 * textarea shows them instead of obeying them. (They can only occur inside strings, where the escape is valid.)
 */
export function prettyJson(value: unknown): string {
  const text = JSON.stringify(value, null, 2);
  if (!needsEscaping(text)) return text;
  return displaySegments(text)
    .map((s) => (s.kind === 'escaped' && s.reason !== 'mixed_script' ? jsonEscape(s.text) : s.text))
    .join('');
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
