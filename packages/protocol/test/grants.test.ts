import { describe, expect, it } from 'vitest';
import { ApprovalRecord, ApprovalRequestInput, ArgMatcherInput, DecisionBody, GrantListQuery, GrantMatch, grantMatchFor, ReviewerDecision, textMatcherMeaning } from '../src/index.js';

describe('grant payloads', () => {
  it('a decision may carry a grant with each kind of matcher', () => {
    const grant = {
      effect: 'allow',
      ttlMs: 60_000,
      maxUses: 3,
      match: { toolName: 'read_*', agent: '*', onBehalfOf: null, args: { path: '/tmp/*', size: { lte: 100 }, mode: { any: true }, owner: { equals: { uid: 1 } }, n: 5 } },
    };
    expect(ReviewerDecision.safeParse({ requestId: 'r1', approved: true, grant }).success).toBe(true);
    expect(DecisionBody.safeParse({ approved: false, grant: {} }).success).toBe(true);
    expect(DecisionBody.safeParse({ approved: true, grant: { actions: ['tool:*'], resources: ['/home/*'] } }).success).toBe(false);
    expect(DecisionBody.safeParse({ approved: true, grant: { match: { actions: ['tool:*'], resources: ['/home/*'] } } }).success).toBe(true);
  });

  it('refuses malformed grants and matchers', () => {
    expect(ArgMatcherInput.safeParse({ gte: 1, glob: 'x' }).success).toBe(false);
    expect(ArgMatcherInput.safeParse({}).success).toBe(false);
    expect(ArgMatcherInput.safeParse({ any: false }).success).toBe(false);
    expect(DecisionBody.safeParse({ approved: true, grant: { effect: 'sometimes' } }).success).toBe(false);
    expect(DecisionBody.safeParse({ approved: true, grant: { ttlMs: 10 } }).success).toBe(false);
    expect(DecisionBody.safeParse({ approved: true, grant: { maxUses: 0 } }).success).toBe(false);
    expect(DecisionBody.safeParse({ approved: true, grant: { match: { unknown: 1 } } }).success).toBe(false);
  });

  it('a request carries challenges and the end user; the grants query parses its status list', () => {
    const request = { requestId: 'r1', toolName: 'read', args: {}, runId: 'run', challenges: [{ actions: ['tool:local_file:read'], resources: ['/a'] }], onBehalfOf: 'ann' };
    expect(ApprovalRequestInput.safeParse(request).success).toBe(true);
    expect(ApprovalRequestInput.safeParse({ ...request, challenges: [{ actions: [], resources: [] }] }).success).toBe(false);
    expect(GrantListQuery.parse({ status: 'active,revoked' })).toMatchObject({ status: ['active', 'revoked'], limit: 50 });
    expect(GrantListQuery.safeParse({ status: 'gone' }).success).toBe(false);
  });

  it('text fields take a literal { equals } as well as a pattern, in a decision and in a stored match', () => {
    const literal = { equals: '*' };
    expect(DecisionBody.safeParse({ approved: true, grant: { match: { onBehalfOf: literal, agent: literal, actions: ['tool:*', literal], resources: [literal] } } }).success).toBe(true);
    expect(DecisionBody.safeParse({ approved: true, grant: { match: { toolName: literal } } }).success).toBe(false);
    expect(DecisionBody.safeParse({ approved: true, grant: { match: { onBehalfOf: { equals: '' } } } }).success).toBe(false);
    expect(GrantMatch.safeParse({ agent: 'a', toolName: 't', onBehalfOf: literal, challenges: { actions: [literal], resources: ['/tmp/*'] } }).success).toBe(true);
    // Stored grants from before keep parsing: bare strings are still patterns.
    expect(GrantMatch.safeParse({ agent: '*', toolName: 'read_*', onBehalfOf: 'ann', challenges: { actions: ['tool:*'], resources: [] } }).success).toBe(true);
  });

  it('grant defaults are the request’s own values, literal where they hold a *', () => {
    const record = ApprovalRecord.parse({
      requestId: 'r1',
      status: 'pending',
      toolName: 'read',
      args: { path: '/tmp/*' },
      agent: { id: 'bot', name: 'Bot' },
      agentName: 'Bot',
      runId: 'run',
      queue: 'default',
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T01:00:00.000Z',
      onBehalfOf: '*',
      challenges: [{ actions: ['tool:read'], resources: ['*', '/a'] }],
    });
    expect(grantMatchFor(record)).toEqual({ agent: 'bot', toolName: 'read', onBehalfOf: { equals: '*' }, args: { path: { equals: '/tmp/*' } } });
    expect(grantMatchFor(record, { actions: ['tool:*'] }).challenges).toEqual({ actions: ['tool:*'], resources: [{ equals: '*' }, '/a'] });
    // The reviewer's explicit choice is a pattern.
    expect(grantMatchFor(record, { onBehalfOf: '*', args: { path: '/tmp/*' } })).toMatchObject({ onBehalfOf: '*', args: { path: { glob: '/tmp/*' } } });
  });
});

describe('what a text matcher stands for', () => {
  it('`{ equals }` is its text exactly, `*` included', () => {
    expect(textMatcherMeaning({ equals: '*' })).toEqual({ kind: 'literal', text: '*' });
    expect(textMatcherMeaning({ equals: 'a*b' })).toEqual({ kind: 'literal', text: 'a*b' });
  });

  it('a pattern of only `*` is anything, one holding a `*` is a pattern, one without is its own text', () => {
    expect(textMatcherMeaning('*')).toEqual({ kind: 'anything' });
    expect(textMatcherMeaning('***')).toEqual({ kind: 'anything' });
    expect(textMatcherMeaning('read_*')).toEqual({ kind: 'pattern', pattern: 'read_*' });
    expect(textMatcherMeaning('*a*')).toEqual({ kind: 'pattern', pattern: '*a*' });
    expect(textMatcherMeaning('read_file')).toEqual({ kind: 'exact', text: 'read_file' });
  });
});
