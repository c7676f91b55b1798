import { describe, expect, it } from 'vitest';
import { ApprovalRequestInput, displaySegments, displayText, higherRisk, mixedScriptTokens, needsEscaping, RequestContext, scanText } from '../src/index.js';

describe('suspicious text', () => {
  it('finds each character class with its code points', () => {
    expect(scanText('a\u202Ab\u202Bc\u202Cd\u202De\u202E', 'f')).toEqual([{ field: 'f', kind: 'bidi_control', codePoints: ['U+202A', 'U+202B', 'U+202C', 'U+202D', 'U+202E'] }]);
    expect(scanText('\u2066\u2067\u2068\u2069', 'f')[0]?.codePoints).toEqual(['U+2066', 'U+2067', 'U+2068', 'U+2069']);
    for (const invisible of ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u200E', '\u200F', '\u3164', '\u{E0041}']) {
      expect(scanText(`x${invisible}y`, 'f'), invisible).toMatchObject([{ kind: 'invisible' }]);
    }
    expect(scanText('a\u0000b\u001bc\u0085', 'f')).toMatchObject([{ kind: 'control', codePoints: ['U+0000', 'U+001B', 'U+0085'] }]);
    expect(scanText('tab\tand\nnewline', 'f')).toEqual([]);
  });

  it('flags mixed scripts in identifiers, e-mails and URLs, not ordinary writing', () => {
    expect(mixedScriptTokens('pay at https://pаypal.com now')).toEqual([{ token: 'https://pаypal.com', scripts: ['Cyrillic', 'Latin'] }]);
    expect(mixedScriptTokens('admin@gοogle.com')).toEqual([{ token: 'admin@gοogle.com', scripts: ['Greek', 'Latin'] }]);
    expect(mixedScriptTokens('Привет, мир! Hello, world. Tシャツ 東京タワー 한국어abc')).toEqual([]);
  });

  it('escapes what it flags, and the escape is visible text', () => {
    expect(displayText('invoice\u202Efdp.exe')).toBe('invoice⟨U+202E⟩fdp.exe');
    expect(displayText('pаypal')).toBe('p⟨U+0430⟩ypal');
    expect(displayText('emoji 👩‍💻')).toBe('emoji 👩⟨U+200D⟩💻');
    expect(displaySegments('ok')).toEqual([{ kind: 'text', text: 'ok' }]);
    expect(needsEscaping('plain ASCII')).toBe(false);
    expect(needsEscaping('b\u200b')).toBe(true);
  });
});

describe('risk and context in the contract', () => {
  const base = { requestId: 'r1', toolName: 't', args: {}, runId: 'run' };
  it('accepts the four levels, a one-line summary and a bounded context', () => {
    expect(ApprovalRequestInput.safeParse({ ...base, risk: 'critical', summary: 'Delete web-1', context: { rationale: '# Why', turns: [{ role: 'user', content: 'go' }] } }).success).toBe(true);
    expect(ApprovalRequestInput.safeParse({ ...base, risk: 'severe' }).success).toBe(false);
    expect(ApprovalRequestInput.safeParse({ ...base, summary: 'two\nlines' }).success).toBe(false);
    expect(RequestContext.safeParse({ rationale: 'x'.repeat(8001) }).success).toBe(false);
    expect(RequestContext.safeParse({ turns: [{ role: 'hacker', content: 'x' }] }).success).toBe(false);
  });

  it('higherRisk never lowers', () => {
    expect(higherRisk('low', 'high')).toBe('high');
    expect(higherRisk('critical', 'medium')).toBe('critical');
    expect(higherRisk(undefined, 'low')).toBe('low');
    expect(higherRisk('medium', undefined)).toBe('medium');
  });
});
