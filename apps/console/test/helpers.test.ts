import { describe, expect, it } from 'vitest';
import { previewArgs } from '../src/domain/argsPreview';
import { csvField, toCsv } from '../src/domain/csv';
import { checkEditedArgs } from '../src/domain/editedArgs';
import { formatElapsed, toHistoryRow } from '../src/domain/historyRow';
import { jsonEqual } from '../src/domain/jsonEqual';
import { diffLines } from '../src/domain/lineDiff';
import { approvalsToCsv, exportFileName } from '../src/hub/historyExport';
import { buildQuery } from '../src/hub/restClient';
import { ALL_DECIDED } from '../src/store/historySlice';
import { takeTokenFromLocation } from '../src/session/tokenStorage';
import { decided, pending } from './fixtures';

describe('argument preview', () => {
  it('is one line, bounded, and says when it is cut', () => {
    expect(previewArgs({ command: 'ls\n-la', n: 2, ok: true, nested: { a: [1, null] } })).toBe('command: "ls\\n-la", n: 2, ok: true, nested: {a: [1, null]}');
    const long = previewArgs({ body: 'x'.repeat(50_000) }, 40);
    expect(long).toHaveLength(41);
    expect(long.endsWith('…')).toBe(true);
    expect(previewArgs({})).toBe('(no arguments)');
  });
});

describe('edited arguments', () => {
  it('must be a JSON object and valid for the protocol', () => {
    expect(checkEditedArgs('{"a": 1}')).toEqual({ ok: true, args: { a: 1 }, pretty: '{\n  "a": 1\n}' });
    expect(checkEditedArgs('[1]')).toMatchObject({ ok: false, message: expect.stringMatching(/must be a JSON object/) });
    expect(checkEditedArgs('"text"')).toMatchObject({ ok: false });
    expect(checkEditedArgs('{"a": }')).toMatchObject({ ok: false, message: expect.stringMatching(/Not valid JSON/) });
    expect(checkEditedArgs('{"__proto__": 1}')).toMatchObject({ ok: false, message: expect.stringMatching(/__proto__/) });
  });

  it('shows what the agent will get: duplicate keys collapse to the last one in the printed value', () => {
    const check = checkEditedArgs('{"a": 1, "a": 2}');
    expect(check).toMatchObject({ ok: true, pretty: '{\n  "a": 2\n}' });
  });
});

describe('line diff', () => {
  it('aligns common lines and marks the changes', () => {
    expect(diffLines(['{', '  "a": 1,', '  "b": 2', '}'], ['{', '  "a": 1,', '  "b": 3', '}'])).toEqual([
      { kind: 'same', text: '{' },
      { kind: 'same', text: '  "a": 1,' },
      { kind: 'removed', text: '  "b": 2' },
      { kind: 'added', text: '  "b": 3' },
      { kind: 'same', text: '}' },
    ]);
    expect(diffLines(['a', 'b', 'c'], ['a', 'x', 'c', 'd']).map((l) => l.kind)).toEqual(['same', 'removed', 'added', 'same', 'added']);
  });
});

describe('json equality', () => {
  it('ignores key order', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: '1' })).toBe(false);
    expect(jsonEqual([1, 2], [1, 2, 3])).toBe(false);
  });
});

describe('CSV export', () => {
  it('quotes and neutralises spreadsheet formulas from untrusted values', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"\nbye')).toBe('"say ""hi""\nbye"');
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField(-5)).toBe('-5');
    expect(toCsv(['a', 'b'], [[1, null]])).toBe('a,b\r\n1,\r\n');
  });

  it('has one row per record with who decided, time to decision and the arguments', () => {
    const record = decided(pending({ args: { cmd: 'ls' } }), 'denied', { kind: 'policy', rule: 'no-ls' }, { reason: 'nope' });
    const [header, row] = approvalsToCsv([record]).split('\r\n');
    expect(header).toMatch(/^requestId,status,toolName,agent,agentId,agentClaimedName,queue,decidedBy,createdAt,decidedAt,timeToDecisionMs,edited,reason/);
    expect(row).toContain('denied,shell.exec,deploy-bot,agent-deploy-bot,,default,policy “no-ls”');
    expect(row).toContain(',5000,false,nope,');
    expect(row).toContain('"{""cmd"":""ls""}"');
  });

  it('names the file after the filter', () => {
    expect(exportFileName({ ...ALL_DECIDED, queue: 'ops' }, 'csv', new Date('2026-01-02T03:04:05.678Z'))).toBe('approvals_decided_ops_2026-01-02T03-04-05-678Z.csv');
  });
});

describe('history rows', () => {
  it('flatten a record', () => {
    const row = toHistoryRow(decided(pending(), 'approved', { kind: 'reviewer', id: 'me', name: 'Me' }, { args: { a: 1 } }), 'me');
    expect(row).toMatchObject({ decidedBy: 'you', edited: true, timeToDecisionMs: 5000 });
    expect(toHistoryRow(decided(pending(), 'cancelled'), null)).toMatchObject({ decidedBy: 'agent (cancelled)', timeToDecisionMs: null });
    expect(formatElapsed(850)).toBe('850 ms');
    expect(formatElapsed(12_400)).toBe('12.4 s');
    expect(formatElapsed(185_000)).toBe('3m 05s');
  });
});

describe('sign-in link', () => {
  it('reads #token= once and removes it from the address bar', () => {
    const calls: unknown[][] = [];
    const history = { replaceState: (...args: unknown[]) => calls.push(args) };
    expect(takeTokenFromLocation({ hash: '#token=abc.DEF-123', pathname: '/', search: '?x=1' }, history)).toBe('abc.DEF-123');
    expect(calls).toEqual([[null, '', '/?x=1']]);
    expect(takeTokenFromLocation({ hash: '#/history', pathname: '/', search: '' }, history)).toBeNull();
    expect(calls).toHaveLength(1);
  });
});

describe('query strings', () => {
  it('leave out empty values', () => {
    expect(buildQuery({ status: 'approved,denied', queue: '', cursor: null, limit: 50 })).toBe('?status=approved%2Cdenied&limit=50');
  });
});
