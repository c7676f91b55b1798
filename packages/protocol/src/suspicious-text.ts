import { z } from 'zod';

/**
 * Text an agent controls can try to deceive the reviewer: bidi controls reorder what is shown (`invoice\u202Efdp.exe`
 * shows as `invoiceexe.pdf`), invisible characters hide inside names and addresses, and letters of another script
 * look like Latin ones (`pаypal.com` with a Cyrillic `а`). The hub scans every request once on arrival and stores
 * what it found; consoles show the same characters as visible markers (`⟨U+202E⟩`) with `displaySegments`.
 */
export const SuspiciousKind = z.enum(['bidi_control', 'invisible', 'control', 'mixed_script']);
export type SuspiciousKind = z.infer<typeof SuspiciousKind>;

/** One kind of suspicious text found in one field of a request. */
export const SuspiciousFinding = z.object({
  /** Where: `toolName`, `summary`, `context.rationale`, `args.to`, `args.items[2]`, `args key "…"`, … */
  field: z.string().max(300),
  kind: SuspiciousKind,
  /** The code points found (`U+202E`), for the character classes. */
  codePoints: z.array(z.string()).max(16).optional(),
  /** For `mixed_script`: the scripts mixed and the first token that mixes them. */
  scripts: z.array(z.string()).max(8).optional(),
  token: z.string().max(200).optional(),
});
export type SuspiciousFinding = z.infer<typeof SuspiciousFinding>;

/** At most this many findings are kept per request; a request with more is flagged all the same. */
export const MAX_SUSPICIOUS_FINDINGS = 50;

const BIDI = /[\u202A-\u202E\u2066-\u2069]/u;
/**
 * Invisible: every format character (Cf: zero-width space and joiners, LRM/RLM, word joiner, BOM, soft hyphen,
 * tag characters…), the combining grapheme joiner and the blank "letters" (Hangul fillers, braille blank).
 */
const INVISIBLE = /[\p{Cf}\u034F\u115F\u1160\u3164\uFFA0\u2800]/u;
/** C0 and C1 controls other than tab, line feed and carriage return (terminal escapes, backspace, NUL). */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;
const ESCAPED = /[\u202A-\u202E\u2066-\u2069\p{Cf}\u034F\u115F\u1160\u3164\uFFA0\u2800\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/gu;

function kindOf(char: string): SuspiciousKind | null {
  if (BIDI.test(char)) return 'bidi_control';
  if (CONTROL.test(char)) return 'control';
  if (INVISIBLE.test(char)) return 'invisible';
  return null;
}

/** `U+202E` for a character. */
export function codePointLabel(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

const SCRIPTS = [
  'Latin', 'Cyrillic', 'Greek', 'Armenian', 'Georgian', 'Cherokee', 'Coptic', 'Hebrew', 'Arabic', 'Syriac', 'Thaana',
  'Devanagari', 'Bengali', 'Gurmukhi', 'Gujarati', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Thai', 'Lao',
  'Tibetan', 'Myanmar', 'Ethiopic', 'Khmer', 'Mongolian', 'Han', 'Hiragana', 'Katakana', 'Bopomofo', 'Hangul',
  'Canadian_Aboriginal', 'Runic', 'Ogham', 'Lisu', 'Vai', 'Tifinagh', 'Nko', 'Osage', 'Adlam',
] as const;
const SCRIPT_PATTERNS = SCRIPTS.map((name) => [name, new RegExp(`\\p{Script=${name}}`, 'u')] as const);
const LETTER = /\p{L}/u;

/** Letters shared by several scripts (the Japanese long-vowel mark, modifier letters): they mix with any. */
const SHARED = /[\p{Script=Common}\p{Script=Inherited}]/u;

function scriptOf(char: string): string | null {
  if (SHARED.test(char)) return null;
  for (const [name, pattern] of SCRIPT_PATTERNS) if (pattern.test(char)) return name;
  return 'Other';
}

/** Script mixes that are ordinary writing (UTS #39 "highly restrictive"): Japanese, Chinese and Korean with Latin. */
const ALLOWED_MIXES: readonly (readonly string[])[] = [
  ['Latin', 'Han', 'Hiragana', 'Katakana'],
  ['Latin', 'Han', 'Bopomofo'],
  ['Latin', 'Han', 'Hangul'],
];

function isSuspiciousMix(scripts: ReadonlySet<string>): boolean {
  if (scripts.size < 2) return false;
  return !ALLOWED_MIXES.some((allowed) => [...scripts].every((s) => allowed.includes(s)));
}

/** Identifiers, e-mail addresses, URLs and words: text between spaces, quotes, brackets and list punctuation. */
const TOKEN_SPLIT = /[\s"'`()<>[\]{},;|]+/u;

interface TokenScripts {
  token: string;
  scripts: Map<string, number>;
}

function tokenScripts(token: string): TokenScripts {
  const scripts = new Map<string, number>();
  for (const char of token) {
    if (!LETTER.test(char)) continue;
    const script = scriptOf(char);
    if (script === null) continue;
    scripts.set(script, (scripts.get(script) ?? 0) + 1);
  }
  return { token, scripts };
}

/** Tokens of `text` that mix scripts in a way ordinary writing does not (`pаypal.com`, `admin@gооgle.com`). */
export function mixedScriptTokens(text: string): { token: string; scripts: string[] }[] {
  const found: { token: string; scripts: string[] }[] = [];
  for (const token of text.split(TOKEN_SPLIT)) {
    if (token.length < 2) continue;
    const { scripts } = tokenScripts(token);
    if (isSuspiciousMix(new Set(scripts.keys()))) found.push({ token, scripts: [...scripts.keys()].sort() });
  }
  return found;
}

/** What one piece of text holds, by kind: code points for the character classes, the first mixed token. */
export function scanText(text: string, field: string): SuspiciousFinding[] {
  const byKind = new Map<SuspiciousKind, Set<string>>();
  const hasCandidate = ESCAPED.test(text);
  ESCAPED.lastIndex = 0;
  if (hasCandidate) {
    for (const char of text) {
      const kind = kindOf(char);
      if (!kind) continue;
      let set = byKind.get(kind);
      if (!set) {
        set = new Set();
        byKind.set(kind, set);
      }
      if (set.size < 16) set.add(codePointLabel(char));
    }
  }
  const findings: SuspiciousFinding[] = [];
  for (const [kind, codePoints] of byKind) findings.push({ field, kind, codePoints: [...codePoints] });
  // Plain ASCII cannot mix scripts: skip the tokenizer for the common case.
  if (!/^[\u0000-\u007F]*$/.test(text)) {
    const mixed = mixedScriptTokens(text);
    if (mixed.length > 0) {
      const scripts = [...new Set(mixed.flatMap((m) => m.scripts))].sort().slice(0, 8);
      findings.push({ field, kind: 'mixed_script', scripts, token: displayText(mixed[0]!.token).slice(0, 200) });
    }
  }
  return findings;
}

/** Visible marker for an escaped character. */
export function escapeMarker(char: string): string {
  return `⟨${codePointLabel(char)}⟩`;
}

/** A piece of text to show: plain, or one escaped character (with what it is) to show as a marker. */
export type DisplaySegment = { kind: 'text'; text: string } | { kind: 'escaped'; text: string; codePoint: string; reason: SuspiciousKind; script?: string };

/**
 * Splits text into what may be shown as is and what must be shown as a marker: every bidi control, invisible and
 * control character, and in a token that mixes scripts, each letter not of the token's main script.
 */
export function displaySegments(text: string): DisplaySegment[] {
  const segments: DisplaySegment[] = [];
  let plain = '';
  const flush = () => {
    if (plain) segments.push({ kind: 'text', text: plain });
    plain = '';
  };
  const minority = minorityLetters(text);
  let index = 0;
  for (const char of text) {
    const kind = kindOf(char);
    const script = minority.get(index);
    if (kind) {
      flush();
      segments.push({ kind: 'escaped', text: char, codePoint: codePointLabel(char), reason: kind });
    } else if (script) {
      flush();
      segments.push({ kind: 'escaped', text: char, codePoint: codePointLabel(char), reason: 'mixed_script', script });
    } else plain += char;
    index += char.length;
  }
  flush();
  return segments;
}

/** Text with every character `displaySegments` escapes replaced by its marker (`⟨U+202E⟩`). */
export function displayText(text: string): string {
  return displaySegments(text)
    .map((s) => (s.kind === 'text' ? s.text : escapeMarker(s.text)))
    .join('');
}

/** Whether `displaySegments` would escape anything in the text. */
export function needsEscaping(text: string): boolean {
  const candidate = ESCAPED.test(text);
  ESCAPED.lastIndex = 0;
  if (candidate) return true;
  return !/^[\u0000-\u007F]*$/.test(text) && mixedScriptTokens(text).length > 0;
}

/** UTF-16 offsets of letters that are not of their mixed token's main script, with their script. */
function minorityLetters(text: string): Map<number, string> {
  const out = new Map<number, string>();
  if (/^[\u0000-\u007F]*$/.test(text)) return out;
  const re = /[^\s"'`()<>[\]{},;|]+/gu;
  for (const match of text.matchAll(re)) {
    const { scripts } = tokenScripts(match[0]);
    if (!isSuspiciousMix(new Set(scripts.keys()))) continue;
    // The main script is the most frequent; on a tie, Latin (what a lookalike imitates).
    const main = [...scripts.entries()].sort((a, b) => b[1] - a[1] || (a[0] === 'Latin' ? -1 : b[0] === 'Latin' ? 1 : 0))[0]![0];
    let offset = match.index;
    for (const char of match[0]) {
      if (LETTER.test(char)) {
        const script = scriptOf(char);
        if (script !== null && script !== main) out.set(offset, script);
      }
      offset += char.length;
    }
  }
  return out;
}
