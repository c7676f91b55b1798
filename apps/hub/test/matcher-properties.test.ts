import { type ArgMatcher, grantMatchFor, JsonData, type JsonValue, literalText } from '@approval-hub/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/audit/canonical-json.js';
import { argVerdict, matchesArg, strictDecimal } from '../src/engine/arg-matching.js';
import { grantCovers } from '../src/engine/grant-matching.js';
import { holds, matchesPattern, textVerdict } from '../src/engine/patterns.js';
import { recordOf } from './support/matcher-records.js';

// Property tests of the matchers (docs/protocol.md, "What a matcher means"); the concrete cases are in
// matcher-semantics.test.ts.

const effects = fc.constantFrom('protective' as const, 'permissive' as const);
/** Text as agents send it, biased towards the characters the matchers give meaning to. */
const agentText = fc.string({ unit: fc.oneof(fc.constantFrom('*', '/', '\\', '.', ',', ';', ' ', '\n', '@', 'a', 'b'), fc.string({ minLength: 1, maxLength: 1 })), maxLength: 24 });
/** JSON an agent may send (the protocol refuses keys such as `__proto__`). */
const json = fc.jsonValue({ maxDepth: 2 }).filter((value) => JsonData.safeParse(value).success) as fc.Arbitrary<JsonValue>;
const argKey = fc.stringMatching(/^[a-z]{1,6}$/);
const segment = fc.stringMatching(/^[a-z0-9_-]{1,6}$/);
const matcher: fc.Arbitrary<ArgMatcher> = fc.oneof(
  json.map((equals) => ({ equals })),
  agentText.filter((s) => s.length > 0).map((glob) => ({ glob })),
  fc.record({ gte: fc.double({ noNaN: true, noDefaultInfinity: true }), lte: fc.double({ noNaN: true, noDefaultInfinity: true }) }, { requiredKeys: [] }).filter((r) => r.gte !== undefined || r.lte !== undefined),
  fc.constant({ any: true as const }),
);
const plainDecimal = fc.tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined })).map(([whole, fraction]) => (fraction === undefined ? String(whole) : `${whole}.${fraction}`));

/** The reference meaning of a `*` pattern, as a regular expression. */
const reference = (pattern: string, value: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&')).join('.*')}$`, 's').test(value);

describe('matcher properties', () => {
  it('a permissive match is always a protective match (protection never loses to an unreadable value)', () => {
    fc.assert(fc.property(matcher, fc.option(fc.oneof(json, plainDecimal, agentText), { nil: undefined }), (m, value) => !matchesArg(m, value, 'permissive') || matchesArg(m, value, 'protective')));
  });

  it('an unreadable value never matches a permissive rule and always matches a protective one', () => {
    fc.assert(
      fc.property(matcher, fc.option(fc.oneof(json, agentText), { nil: undefined }), effects, (m, value, effect) => {
        const verdict = argVerdict(m, value, effect);
        return verdict !== 'unknown' || holds(verdict, effect) === (effect === 'protective');
      }),
    );
  });

  it('a literal default matches exactly its own text: agent text is never a pattern', () => {
    fc.assert(fc.property(agentText.filter((s) => s.length > 0), agentText, (own, other) => holds(textVerdict(literalText(own), other), 'permissive') === (own === other)));
  });

  it('a default grant covers its own request and nothing on behalf of anyone else', () => {
    fc.assert(
      fc.property(fc.dictionary(argKey, json, { maxKeys: 4 }), agentText.filter((s) => s.length > 0), agentText.filter((s) => s.length > 0), (args, user, other) => {
        const record = recordOf({ args, onBehalfOf: user });
        const grant = { effect: 'allow' as const, match: grantMatchFor(record) };
        expect(grantCovers(grant, record)).toBe(true);
        expect(grantCovers(grant, recordOf({ args, onBehalfOf: other }))).toBe(user === other);
      }),
    );
  });

  it('a default grant covers no request whose arguments differ', () => {
    fc.assert(
      fc.property(fc.dictionary(argKey, json, { minKeys: 1, maxKeys: 4 }), json, (args, replacement) => {
        const [key] = Object.keys(args);
        const changed = { ...args, [key!]: replacement };
        const grant = { effect: 'allow' as const, match: grantMatchFor(recordOf({ args })) };
        return grantCovers(grant, recordOf({ args: changed })) === (canonicalJson(args[key!]!) === canonicalJson(replacement));
      }),
    );
  });

  it('a path glob never matches a value with . or .. segments', () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 3 }), fc.array(segment, { maxLength: 3 }), fc.constantFrom('..', '.'), fc.array(segment, { minLength: 1, maxLength: 3 }), fc.constantFrom('/', '\\'), effects, (prefix, before, dots, after, separator, effect) => {
        const pattern = `/${[...prefix, '*'].join('/')}`;
        const value = [...before, dots, ...after].join(separator);
        const verdict = textVerdict(pattern, `${separator}${value}`);
        expect(verdict).toBe('unknown');
        expect(holds(verdict, effect)).toBe(effect === 'protective');
      }),
    );
  });

  it('a pattern without list separators never matches a list', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z@.*]{0,8}$/), fc.stringMatching(/^[a-z@.]{0,8}$/), fc.constantFrom(',', ';', ' ', '\t', '\n', '\r', '\u00a0', '\u2028'), fc.stringMatching(/^[a-z@.]{0,8}$/), (body, left, separator, right) => {
        const pattern = `*${body}`;
        fc.pre(!/^\*+$/.test(pattern));
        expect(textVerdict(pattern, `${left}${separator}${right}`)).toBe('unknown');
      }),
    );
  });

  it('on plain text (no dot segments, lists or repeated separators) a glob means its regular expression', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ab/*]{1,8}$/), fc.stringMatching(/^[ab/]{0,10}$/), (pattern, value) => {
        fc.pre(!value.includes('//'));
        expect(textVerdict(pattern, value) === 'match').toBe(reference(pattern, value));
        expect(matchesPattern(pattern, value)).toBe(reference(pattern, value));
      }),
    );
  });

  it('protective ranges read a plain decimal string as the number it writes', () => {
    const range = fc.record({ gte: fc.integer({ min: -1e9, max: 1e9 }), lte: fc.integer({ min: -1e9, max: 1e9 }) }, { requiredKeys: [] }).filter((r) => r.gte !== undefined || r.lte !== undefined);
    fc.assert(fc.property(range, plainDecimal, (r, text) => argVerdict(r, text, 'protective') === argVerdict(r, Number(text), 'protective')));
  });

  it('only plain decimals parse: hex, exponents, signs, padding and spaces do not', () => {
    fc.assert(fc.property(fc.string({ maxLength: 12 }), (text) => strictDecimal(text) === undefined || (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(text) && strictDecimal(text) === Number(text))));
    const noisy = fc.oneof(
      fc.tuple(fc.constantFrom(' ', '\n', '\t', '+', '0x', '0', '_'), plainDecimal).map(([noise, text]) => `${noise}${text}`),
      fc.tuple(plainDecimal, fc.constantFrom(' ', '\n', 'e1', 'E-2', '_', '.', 'x')).map(([text, noise]) => `${text}${noise}`),
    );
    fc.assert(fc.property(noisy, (text) => strictDecimal(text) === undefined));
  });
});
